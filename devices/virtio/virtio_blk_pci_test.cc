// End to end: a driver programs a virtio-blk-pci function through BAR0 (feature
// negotiation, queue setup, MSI-X), rings the doorbell with a plain MMIO write,
// and the queue worker thread completes the request and raises the queue's
// MSI-X vector. Then a reset stops the worker.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "devices/virtio/blk_protocol.h"
#include "devices/virtio/testing/test_driver.h"
#include "devices/virtio/virtio_blk.h"
#include "devices/virtio/virtio_pci_layout.h"
#include "devices/virtio/virtio_pci_transport.h"
#include "base/le.h"
#include "zoned/test_support.h"

namespace zvmm::virtio {
namespace {

namespace L = pci_layout;
namespace C = pci_layout::common;
constexpr uint64_t kMiB = 1 << 20;

TEST(VirtioBlkPci, DriverLifecycle) {
  zoned::testing::EngineFixture fx({.device_bytes = 16 * kMiB,
                                    .zone_size_bytes = kMiB,
                                    .nr_conventional = 1,
                                    .model = zoned::ZonedModel::kHostManaged},
                                   "pci.img");
  zoned::ZonedDevice& zd = *fx.engine;
  auto blk = std::make_shared<VirtioBlk>(zd, VirtioBlkOptions{.num_queues = 2, .queue_size = 64});
  GuestMemory mem = GuestMemory::create(32 * kMiB);
  auto group = std::make_shared<testing::CountingInterruptGroup>(
      VirtioPciTransport::msix_vectors(*blk));
  // Not plugged into a PciRoot: no ioeventfds, so doorbells are MMIO writes.
  VirtioPciTransport t(blk, mem, group);

  auto w = [&](uint64_t off, uint64_t v, size_t size) {
    uint8_t b[8];
    for (size_t i = 0; i < size; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
    t.write_bar(0, off, std::span<const uint8_t>(b, size));
  };
  auto r = [&](uint64_t off, size_t size) {
    uint8_t b[8] = {};
    t.read_bar(0, off, std::span<uint8_t>(b, size));
    uint64_t v = 0;
    for (size_t i = size; i-- > 0;) v = v << 8 | b[i];
    return v;
  };

  // MSI-X on, vectors unmasked.
  for (uint8_t p = t.config().read8(pci_reg::kCapabilitiesPointer); p; p = t.config().read8(p + 1)) {
    if (t.config().read8(p) == 0x11) {
      const uint8_t ctl[2] = {0, 0x80};
      t.write_config(p + 2, ctl);
    }
  }
  for (uint32_t v = 0; v < 3; ++v) {
    w(L::kMsixTable + 16 * v, 0xfee00000, 4);
    w(L::kMsixTable + 16 * v + 12, 0, 4);
  }

  // Reading the zoned characteristics through the device cfg window.
  EXPECT_EQ(r(L::kDeviceCfg + blk::cfg::kZoneSectors, 4), 2048u);
  EXPECT_EQ(r(L::kDeviceCfg + blk::cfg::kModel, 1), 1u);

  const uint8_t base = status::kAcknowledge | status::kDriver;
  w(C::kDeviceStatus, base, 1);
  // Refusing ZONED on a host-managed device: FEATURES_OK does not stick.
  w(C::kDriverFeatureSelect, 1, 4);
  w(C::kDriverFeature, 1, 4);
  w(C::kDeviceStatus, base | status::kFeaturesOk, 1);
  EXPECT_FALSE(r(C::kDeviceStatus, 1) & status::kFeaturesOk);
  w(C::kDeviceStatus, 0, 1);
  w(C::kDeviceStatus, base, 1);
  w(C::kDriverFeatureSelect, 0, 4);
  w(C::kDriverFeature, 1u << blk::feature::kZoned | 1u << feature::kRingEventIdx, 4);
  w(C::kDriverFeatureSelect, 1, 4);
  w(C::kDriverFeature, 1, 4);
  w(C::kDeviceStatus, base | status::kFeaturesOk, 1);
  ASSERT_TRUE(r(C::kDeviceStatus, 1) & status::kFeaturesOk);

  testing::TestDriverQueue drv(mem, 0x100000, 64, 0x400000, kMiB);
  w(C::kConfigMsixVector, 0, 2);
  w(C::kQueueSelect, 1, 2);  // use queue 1 only
  w(C::kQueueMsixVector, 2, 2);
  w(C::kQueueDesc, drv.config().desc, 8);
  w(C::kQueueDriver, drv.config().avail, 8);
  w(C::kQueueDevice, drv.config().used, 8);
  w(C::kQueueEnable, 1, 2);
  w(C::kDeviceStatus, base | status::kFeaturesOk | status::kDriverOk, 1);
  ASSERT_TRUE(t.activated());

  // A zone append, notified through queue 1's doorbell.
  const uint64_t hdr = drv.alloc(16), data = drv.alloc(4096), in = drv.alloc(16);
  uint8_t h[16] = {};
  store_le<uint32_t>(h, 0, blk::req::kZoneAppend);
  store_le<uint64_t>(h, 8, 2048);
  drv.write(hdr, h);
  drv.write(data, zoned::testing::pattern(2048, 4096));
  drv.set_used_event(0);
  drv.publish(drv.make_chain({{hdr, 16, false}, {data, 4096, false}, {in, 16, true}}));
  w(L::kNotify + 4 * 1, 1, 2);
  for (int i = 0; i < 5000 && drv.used_idx() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(drv.used_idx(), 1);
  EXPECT_EQ(drv.used(0).len, 16u);
  EXPECT_EQ(drv.read(in, 16)[15], blk::status::kOk);
  EXPECT_EQ(load_le<uint64_t>(drv.read(in, 8), 0), 2048u);
  for (int i = 0; i < 5000 && group->count(2) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(group->count(2), 1);

  w(C::kDeviceStatus, 0, 1);  // reset joins the workers
  EXPECT_FALSE(t.activated());
  EXPECT_EQ(r(C::kDeviceStatus, 1), 0u);
}

}  // namespace
}  // namespace zvmm::virtio

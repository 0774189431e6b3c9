#include "devices/virtio/virtio_pci_transport.h"

#include <gtest/gtest.h>


#include "devices/pci/bar_mapper.h"
#include "devices/pci/testing/fake_interrupt.h"
#include "devices/pci/testing/fake_ioevent_registrar.h"
#include "devices/virtio/testing/test_driver.h"
#include "devices/virtio/virtio_pci_layout.h"
#include "base/le.h"

namespace zvmm::virtio {
namespace {

namespace L = pci_layout;
namespace C = pci_layout::common;
constexpr uint64_t kMiB = 1 << 20;

class FakeDevice final : public VirtioDevice {
 public:
  DeviceType device_type() const override { return DeviceType::kBlock; }
  uint64_t features() const override { return bit(17) | bit(9); }
  bool accept_features(uint64_t f) const override { return !require_bit17 || (f & bit(17)); }
  uint16_t num_queues() const override { return 2; }
  uint16_t max_queue_size() const override { return 64; }
  uint32_t config_size() const override { return 8; }
  void read_config(uint32_t offset, std::span<uint8_t> data) const override {
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(0x10 + offset + i);
  }
  void write_config(uint32_t offset, std::span<const uint8_t> data) override {
    config_writes.push_back({offset, data.size()});
  }
  void activate(const GuestMemory&, uint64_t f, std::vector<ActiveQueue> queues,
                VirtioInterrupt& i) override {
    ++activations;
    features_seen = f;
    active.clear();
    for (auto& q : queues) active.push_back({q.index, q.queue.size()});
    irq = &i;
  }
  void reset() override {
    ++resets;
    irq = nullptr;
  }

  bool require_bit17 = false;
  int activations = 0, resets = 0;
  uint64_t features_seen = 0;
  std::vector<std::pair<uint16_t, uint16_t>> active;  // (index, size)
  std::vector<std::pair<uint32_t, size_t>> config_writes;  // (offset, bytes)
  VirtioInterrupt* irq = nullptr;
};

class TransportTest : public ::testing::Test {
 protected:
  TransportTest() {
    device_ = std::make_shared<FakeDevice>();
    group_ = std::make_shared<zvmm::testing::FakeInterruptGroup>(3);
    transport_ = std::make_unique<VirtioPciTransport>(device_, mem_, group_);
  }

  void w(uint64_t off, uint64_t v, size_t size) {
    uint8_t b[8];
    for (size_t i = 0; i < size; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
    transport_->write_bar(0, off, std::span<const uint8_t>(b, size));
  }
  uint64_t r(uint64_t off, size_t size) {
    uint8_t b[8] = {};
    transport_->read_bar(0, off, std::span<uint8_t>(b, size));
    uint64_t v = 0;
    for (size_t i = size; i-- > 0;) v = v << 8 | b[i];
    return v;
  }
  uint8_t status() { return static_cast<uint8_t>(r(C::kDeviceStatus, 1)); }
  void negotiate(uint64_t features) {
    w(C::kDeviceStatus, status::kAcknowledge | status::kDriver, 1);
    w(C::kDriverFeatureSelect, 0, 4);
    w(C::kDriverFeature, features & 0xffffffff, 4);
    w(C::kDriverFeatureSelect, 1, 4);
    w(C::kDriverFeature, features >> 32, 4);
    w(C::kDeviceStatus, status::kAcknowledge | status::kDriver | status::kFeaturesOk, 1);
  }
  void setup_queue(uint16_t q, uint16_t size, uint64_t desc, uint64_t driver, uint64_t device) {
    w(C::kQueueSelect, q, 2);
    w(C::kQueueSize, size, 2);
    w(C::kQueueDesc, desc & 0xffffffff, 4);  // two 32-bit halves, as Linux writes them
    w(C::kQueueDesc + 4, desc >> 32, 4);
    w(C::kQueueDriver, driver, 8);
    w(C::kQueueDevice, device, 8);
    w(C::kQueueEnable, 1, 2);
  }
  void driver_ok() {
    w(C::kDeviceStatus,
      status::kAcknowledge | status::kDriver | status::kFeaturesOk | status::kDriverOk, 1);
  }
  // Enables MSI-X and unmasks every vector.
  void enable_msix() {
    const uint8_t cap = find_cap(0x11);
    ASSERT_NE(cap, 0);
    uint8_t ctl[2];
    store_le<uint16_t>(ctl, 0, 0x8000);
    transport_->write_config(cap + 2, ctl);
    for (uint32_t v = 0; v < 3; ++v) {
      w(L::kMsixTable + 16 * v, 0xfee00000, 4);
      w(L::kMsixTable + 16 * v + 8, 0x40 + v, 4);
      w(L::kMsixTable + 16 * v + 12, 0, 4);
    }
  }
  uint8_t find_cap(uint8_t id, std::optional<uint8_t> vendor_type = std::nullopt) {
    auto& cfg = transport_->config();
    for (uint8_t p = cfg.read8(pci_reg::kCapabilitiesPointer); p; p = cfg.read8(p + 1)) {
      if (cfg.read8(p) != id) continue;
      if (!vendor_type || cfg.read8(p + 3) == *vendor_type) return p;
    }
    return 0;
  }

  GuestMemory mem_ = GuestMemory::create(16 * kMiB);
  std::shared_ptr<FakeDevice> device_;
  std::shared_ptr<zvmm::testing::FakeInterruptGroup> group_;
  std::unique_ptr<VirtioPciTransport> transport_;
};

TEST_F(TransportTest, PciIdentityAndCapabilities) {
  auto& cfg = transport_->config();
  EXPECT_EQ(cfg.read16(pci_reg::kVendorId), 0x1af4);
  EXPECT_EQ(cfg.read16(pci_reg::kDeviceId), 0x1042);
  EXPECT_EQ(cfg.read8(pci_reg::kRevision), 1);
  EXPECT_EQ(cfg.read16(pci_reg::kSubsystemVendorId), 0x1af4);
  EXPECT_GE(cfg.read16(pci_reg::kSubsystemId), 0x40);
  ASSERT_TRUE(cfg.bar(0).has_value());
  EXPECT_EQ(cfg.bar(0)->kind, PciBarKind::kMem64);
  EXPECT_EQ(cfg.bar(0)->size, L::kBarSize);

  struct Expect { uint8_t type; uint32_t offset, length; };
  for (Expect e : {Expect{1, 0x0, 0x40}, Expect{2, 0x3000, 8}, Expect{3, 0x1000, 1},
                   Expect{4, 0x2000, 8}}) {
    const uint8_t p = find_cap(L::kCapVendorId, e.type);
    ASSERT_NE(p, 0) << "cfg_type " << int(e.type);
    EXPECT_EQ(cfg.read8(p + 4), 0) << "bar";
    EXPECT_EQ(cfg.read32(p + 8), e.offset);
    EXPECT_EQ(cfg.read32(p + 12), e.length);
    EXPECT_EQ(cfg.read8(p + 2), e.type == 2 ? 20 : 16) << "cap_len";
    if (e.type == 2) {
      EXPECT_EQ(cfg.read32(p + 16), 4u) << "notify_off_multiplier";
    }
  }
  EXPECT_NE(find_cap(0x11), 0);  // MSI-X
  EXPECT_EQ(VirtioPciTransport::msix_vectors(*device_), 3);
}

TEST_F(TransportTest, FeatureWindows) {
  w(C::kDeviceFeatureSelect, 0, 4);
  EXPECT_EQ(r(C::kDeviceFeature, 4), (1u << 17 | 1u << 9 | 1u << 28 | 1u << 29));
  w(C::kDeviceFeatureSelect, 1, 4);
  EXPECT_EQ(r(C::kDeviceFeature, 4), 1u);  // VERSION_1
  w(C::kDeviceFeatureSelect, 2, 4);
  EXPECT_EQ(r(C::kDeviceFeature, 4), 0u);
  EXPECT_EQ(r(C::kNumQueues, 2), 2u);
}

TEST_F(TransportTest, FeaturesOkAccepted) {
  negotiate(bit(32) | bit(17) | bit(29));
  EXPECT_TRUE(status() & status::kFeaturesOk);
  EXPECT_EQ(transport_->negotiated_features(), bit(32) | bit(17) | bit(29));
  // Feature writes after FEATURES_OK are ignored.
  w(C::kDriverFeatureSelect, 0, 4);
  w(C::kDriverFeature, 0, 4);
  EXPECT_EQ(transport_->negotiated_features(), bit(32) | bit(17) | bit(29));
}

TEST_F(TransportTest, FeaturesOkRefusedWithoutVersion1) {
  negotiate(bit(17));
  EXPECT_FALSE(status() & status::kFeaturesOk);
  EXPECT_TRUE(status() & status::kDriver);
}

TEST_F(TransportTest, FeaturesOkRefusedForUnofferedBits) {
  negotiate(bit(32) | bit(3));
  EXPECT_FALSE(status() & status::kFeaturesOk);
}

TEST_F(TransportTest, FeaturesOkRefusedByTheDevice) {
  device_->require_bit17 = true;  // e.g. host-managed zoned without ZONED
  negotiate(bit(32));
  EXPECT_FALSE(status() & status::kFeaturesOk);
  driver_ok();  // a driver ignoring the refusal does not get the device running
  EXPECT_EQ(device_->activations, 0);
  w(C::kDeviceStatus, 0, 1);
  negotiate(bit(32) | bit(17));
  EXPECT_TRUE(status() & status::kFeaturesOk);
}

TEST_F(TransportTest, QueueRegisters) {
  w(C::kQueueSelect, 1, 2);
  EXPECT_EQ(r(C::kQueueSize, 2), 64u);
  EXPECT_EQ(r(C::kQueueNotifyOff, 2), 1u);
  EXPECT_EQ(r(C::kQueueMsixVector, 2), kNoVector);
  w(C::kQueueSize, 48, 2);  // not a power of two: ignored
  EXPECT_EQ(r(C::kQueueSize, 2), 64u);
  w(C::kQueueSize, 128, 2);  // above max: ignored
  EXPECT_EQ(r(C::kQueueSize, 2), 64u);
  w(C::kQueueSize, 16, 2);
  EXPECT_EQ(r(C::kQueueSize, 2), 16u);
  w(C::kQueueDesc, 0x12345000, 4);
  w(C::kQueueDesc + 4, 0x1, 4);
  EXPECT_EQ(r(C::kQueueDesc, 8), 0x112345000u);
  w(C::kQueueEnable, 1, 2);
  EXPECT_EQ(r(C::kQueueEnable, 2), 1u);
  w(C::kQueueDesc, 0, 8);  // frozen once enabled
  EXPECT_EQ(r(C::kQueueDesc, 8), 0x112345000u);
  w(C::kQueueSelect, 0, 2);
  EXPECT_EQ(r(C::kQueueEnable, 2), 0u);
  w(C::kQueueSelect, 7, 2);  // no such queue
  EXPECT_EQ(r(C::kQueueSize, 2), 0u);
  w(C::kQueueSize, 8, 2);
  EXPECT_EQ(r(C::kQueueSize, 2), 0u);
}

TEST_F(TransportTest, DriverOkActivatesEnabledQueues) {
  negotiate(bit(32) | bit(29) | bit(28));
  setup_queue(1, 16, 0x100000, 0x101000, 0x102000);
  driver_ok();
  EXPECT_TRUE(transport_->activated());
  EXPECT_EQ(device_->activations, 1);
  EXPECT_EQ(device_->features_seen, bit(32) | bit(29) | bit(28));
  ASSERT_EQ(device_->active.size(), 1u);
  EXPECT_EQ(device_->active[0], (std::pair<uint16_t, uint16_t>{1, 16}));
  EXPECT_FALSE(status() & status::kNeedsReset);
}

TEST_F(TransportTest, BadRingAddressSetsNeedsReset) {
  negotiate(bit(32));
  setup_queue(0, 16, 0x7fff'0000'0000, 0x101000, 0x102000);
  driver_ok();
  EXPECT_FALSE(transport_->activated());
  EXPECT_TRUE(status() & status::kNeedsReset);
  w(C::kDeviceStatus, 0, 1);
  EXPECT_EQ(status(), 0);
}

TEST_F(TransportTest, ResetClearsEverything) {
  negotiate(bit(32));
  setup_queue(0, 16, 0x100000, 0x101000, 0x102000);
  w(C::kConfigMsixVector, 0, 2);
  driver_ok();
  const int resets = device_->resets;
  w(C::kDeviceStatus, 0, 1);
  EXPECT_EQ(device_->resets, resets + 1);
  EXPECT_FALSE(transport_->activated());
  EXPECT_EQ(status(), 0);
  EXPECT_EQ(transport_->negotiated_features(), 0u);
  EXPECT_EQ(r(C::kConfigMsixVector, 2), kNoVector);
  w(C::kQueueSelect, 0, 2);
  EXPECT_EQ(r(C::kQueueEnable, 2), 0u);
  EXPECT_EQ(r(C::kQueueSize, 2), 64u);
  EXPECT_EQ(r(C::kQueueDesc, 8), 0u);
}

TEST_F(TransportTest, MsixVectorAssignment) {
  w(C::kConfigMsixVector, 2, 2);
  EXPECT_EQ(r(C::kConfigMsixVector, 2), 2u);
  w(C::kConfigMsixVector, 3, 2);  // beyond the table: refused
  EXPECT_EQ(r(C::kConfigMsixVector, 2), kNoVector);
  w(C::kQueueSelect, 0, 2);
  w(C::kQueueMsixVector, 1, 2);
  EXPECT_EQ(r(C::kQueueMsixVector, 2), 1u);
  w(C::kQueueMsixVector, 100, 2);
  EXPECT_EQ(r(C::kQueueMsixVector, 2), kNoVector);
}

TEST_F(TransportTest, InterruptsGoToTheAssignedVectors) {
  enable_msix();
  negotiate(bit(32));
  w(C::kConfigMsixVector, 0, 2);
  setup_queue(0, 16, 0x100000, 0x101000, 0x102000);
  w(C::kQueueMsixVector, 2, 2);
  driver_ok();
  ASSERT_NE(device_->irq, nullptr);
  group_->triggers.clear();
  device_->irq->signal_queue(0);
  device_->irq->signal_config();
  EXPECT_EQ(group_->triggers, (std::vector<uint32_t>{2, 0}));
  device_->irq->set_needs_reset();
  EXPECT_TRUE(status() & status::kNeedsReset);
  EXPECT_EQ(group_->triggers.back(), 0u);
}

TEST_F(TransportTest, IsrIsReadToClear) {
  negotiate(bit(32));
  setup_queue(0, 16, 0x100000, 0x101000, 0x102000);
  driver_ok();
  EXPECT_EQ(r(L::kIsr, 1), 0u);
  device_->irq->signal_queue(0);
  EXPECT_EQ(r(L::kIsr, 1), L::kIsrQueue);
  EXPECT_EQ(r(L::kIsr, 1), 0u);
  device_->irq->signal_config();
  device_->irq->signal_queue(0);
  EXPECT_EQ(r(L::kIsr, 1), L::kIsrQueue | L::kIsrConfig);
  EXPECT_EQ(r(L::kIsr, 1), 0u);
}

TEST_F(TransportTest, ConfigGenerationAndDeviceConfig) {
  negotiate(bit(32));
  setup_queue(0, 16, 0x100000, 0x101000, 0x102000);
  driver_ok();
  const uint64_t gen = r(C::kConfigGeneration, 1);
  EXPECT_EQ(r(C::kConfigGeneration, 1), gen);  // stable while nothing changes
  device_->irq->signal_config();
  EXPECT_EQ(r(C::kConfigGeneration, 1), (gen + 1) & 0xff);
  EXPECT_EQ(r(L::kDeviceCfg, 4), 0x13121110u);
  EXPECT_EQ(r(L::kDeviceCfg + 6, 4), 0x1716u);  // clipped at config_size
  EXPECT_EQ(r(L::kDeviceCfg + 64, 4), 0u);
  // Writes reach the device clipped the same way; beyond it they are dropped.
  w(L::kDeviceCfg + 2, 0x11223344, 4);
  w(L::kDeviceCfg + 6, 0x11223344, 4);
  w(L::kDeviceCfg + 64, 0x11223344, 4);
  EXPECT_EQ(device_->config_writes, (std::vector<std::pair<uint32_t, size_t>>{{2, 4}, {6, 2}}));
}

TEST_F(TransportTest, ListsOneDoorbellPerQueue) {
  const std::vector<PciDoorbell> expected{
      {.bar = 0, .offset = L::kNotify, .len = 0, .event = &transport_->queue_kick(0)},
      {.bar = 0, .offset = L::kNotify + 4, .len = 0, .event = &transport_->queue_kick(1)}};
  EXPECT_EQ(transport_->doorbells(), expected);
}

// The transport plugged into a BAR mapper, as PciRoot does it.
class TransportOnBusTest : public TransportTest {
 protected:
  void place_bar0(uint64_t base, bool decode) {
    plugged_->config().set_bar_address(0, base);
    plugged_->config().set16(pci_reg::kCommand, decode ? pci_reg::kCommandMemory : 0);
    mapper_->sync(plugged_);
  }

  zvmm::testing::FakeIoEventRegistrar ioevents_;
  Bus mmio_, pio_;
  std::shared_ptr<VirtioPciTransport> plugged_ = std::make_shared<VirtioPciTransport>(
      std::make_shared<FakeDevice>(), mem_, std::make_shared<zvmm::testing::FakeInterruptGroup>(3));
  std::unique_ptr<PciBarMapper> mapper_ = std::make_unique<PciBarMapper>(mmio_, pio_, ioevents_);
};

TEST_F(TransportOnBusTest, IoeventfdsFollowTheBar) {
  place_bar0(0x8000'0000, true);
  EXPECT_EQ(ioevents_.addresses(), (std::vector<uint64_t>{0x8000'3000, 0x8000'3004}));
  EXPECT_EQ(ioevents_.fd_at(0x8000'3000), plugged_->queue_kick(0).fd());
  EXPECT_EQ(ioevents_.fd_at(0x8000'3004), plugged_->queue_kick(1).fd());
  EXPECT_EQ(ioevents_.registered[0].address,
            (IoEventAddress{IoEventSpace::kMmio, 0x8000'3000, 0, std::nullopt}));
  place_bar0(0x9000'0000, true);  // the guest moves BAR0
  EXPECT_EQ(ioevents_.addresses(), (std::vector<uint64_t>{0x9000'3000, 0x9000'3004}));
  place_bar0(0x9000'0000, false);  // memory decoding off
  EXPECT_TRUE(ioevents_.registered.empty());
  place_bar0(0x9000'0000, true);
  EXPECT_EQ(ioevents_.registered.size(), 2u);
  mapper_.reset();  // PciRoot going away unregisters
  EXPECT_TRUE(ioevents_.registered.empty());
}

TEST_F(TransportOnBusTest, RegistrationFailureFallsBackToMmioNotify) {
  ioevents_.fail_after = 1;  // queue 0 registers, queue 1 is refused: both roll back
  place_bar0(0x8000'0000, true);
  EXPECT_TRUE(ioevents_.registered.empty());
  const uint8_t one[2] = {1, 0};
  mmio_.write(0x8000'3004, one);  // queue 1 doorbell as an MMIO exit
  EXPECT_EQ(plugged_->queue_kick(1).consume(), 1u);
  EXPECT_FALSE(plugged_->queue_kick(0).consume().has_value());
  mmio_.write(0x8000'3000 + 4 * 9, one);  // no such queue: ignored
}

TEST_F(TransportTest, DoorbellWritesToBar0KickTheirQueue) {
  w(L::kNotify + 4, 1, 2);  // queue 1 doorbell as a plain MMIO write (no ioeventfd)
  EXPECT_EQ(transport_->queue_kick(1).consume(), 1u);
  EXPECT_FALSE(transport_->queue_kick(0).consume().has_value());
  w(L::kNotify + 4 * 9, 1, 2);  // no such queue: ignored
}

TEST_F(TransportTest, MalformedAccessesAreHarmless) {
  w(0x3f, 0xff, 4);  // straddles the end of common cfg
  (void)r(0x3e, 8);
  w(L::kIsr, 0xff, 1);  // ISR is read-only
  w(L::kBarSize - 1, 0xff, 1);
  (void)r(L::kBarSize - 8, 8);
  transport_->write_bar(2, 0, std::vector<uint8_t>{1, 2, 3, 4});
  EXPECT_EQ(status(), 0);
}

}  // namespace
}  // namespace zvmm::virtio

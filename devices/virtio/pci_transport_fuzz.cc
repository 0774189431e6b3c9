// libFuzzer target: the virtio-pci transport in front of a real virtio-blk
// device (two queues, zoned engine on a temporary file), with guest memory on
// a memfd. The input is a sequence of BAR and PCI config-space accesses of any
// size and offset, shortcut writes of common-config fields (feature
// negotiation, queue setup values, device status), and pokes of the ring area,
// so a sequence can reach DRIVER_OK, activate the queues and kick them.
//
// Input layout: commands until the end, one byte op (op % 6):
//   0  BAR write:  u8 bar (% 3), u16 offset (bar 0: % 0x8100), u8 size (1..8), bytes
//   1  BAR read:   u8 bar, u16 offset, u8 size
//   2  config-space write: u16 offset (% 0x110), u8 size (1..8), bytes
//   3  config-space read:  u16 offset, u8 size
//   4  common-config field write at its natural width: u8 field (% 20), u64 value
//   5  guest memory poke into [0x1000, 0x11000): u16 offset, u8 len, bytes
// At the end the transport is reset and destroyed (queue workers stopped).
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <string>

#include "devices/virtio/testing/test_driver.h"
#include "devices/virtio/virtio_blk.h"
#include "devices/virtio/virtio_pci_layout.h"
#include "devices/virtio/virtio_pci_transport.h"
#include "tools/fuzz/fuzz_input.h"
#include "vmm/guest_memory.h"
#include "zoned/test_support.h"

namespace zvmm::virtio {
namespace {

namespace L = pci_layout;
namespace C = pci_layout::common;
constexpr uint64_t kMiB = 1 << 20;

struct Field {
  uint16_t offset;
  uint8_t size;
};
constexpr Field kFields[] = {
    {C::kDeviceFeatureSelect, 4}, {C::kDeviceFeature, 4},   {C::kDriverFeatureSelect, 4},
    {C::kDriverFeature, 4},       {C::kConfigMsixVector, 2}, {C::kNumQueues, 2},
    {C::kDeviceStatus, 1},        {C::kConfigGeneration, 1}, {C::kQueueSelect, 2},
    {C::kQueueSize, 2},           {C::kQueueMsixVector, 2},  {C::kQueueEnable, 2},
    {C::kQueueNotifyOff, 2},      {C::kQueueDesc, 8},        {C::kQueueDriver, 8},
    {C::kQueueDevice, 8},         {C::kQueueNotifyData, 2},  {C::kQueueReset, 2},
    {C::kQueueDesc + 4, 4},       {C::kDeviceStatus, 4},
};

void run(fuzz::Input& in) {
  zoned::testing::EngineFixture fx({.device_bytes = 4 * kMiB,
                                    .zone_size_bytes = kMiB,
                                    .nr_conventional = 1,
                                    .max_open = 2,
                                    .model = zoned::ZonedModel::kHostManaged},
                                   "pci_transport_fuzz-" + std::to_string(getpid()) + ".img");
  const GuestMemory mem = GuestMemory::create(16 * kMiB);
  auto blk = std::make_shared<VirtioBlk>(*fx.engine, VirtioBlkOptions{.num_queues = 2, .queue_size = 64});
  auto group = std::make_shared<testing::CountingInterruptGroup>(VirtioPciTransport::msix_vectors(*blk));
  VirtioPciTransport t(blk, mem, group);
  int ops = 0;
  while (!in.empty() && ops++ < 300) {
    switch (in.u8() % 6) {
      case 0: {
        const uint8_t bar = in.u8() % 3;
        const uint64_t off = in.u16() % (bar == 0 ? L::kBarSize + 0x100 : 0x10000);
        const auto b = in.fixed(1 + in.u8() % 8);
        t.write_bar(bar, off, b);
        break;
      }
      case 1: {
        const uint8_t bar = in.u8() % 3;
        const uint64_t off = in.u16();
        std::vector<uint8_t> b(1 + in.u8() % 8);
        t.read_bar(bar, off, b);
        break;
      }
      case 2: {
        const uint16_t off = in.u16() % 0x110;
        const auto b = in.fixed(1 + in.u8() % 8);
        t.write_config(off, b);
        break;
      }
      case 3: {
        const uint16_t off = in.u16() % 0x110;
        std::vector<uint8_t> b(1 + in.u8() % 8);
        t.read_config(off, b);
        break;
      }
      case 4: {
        const Field f = kFields[in.u8() % std::size(kFields)];
        const auto b = in.fixed(8);
        t.write_bar(L::kBar, L::kCommonCfg + f.offset, std::span(b).first(f.size));
        break;
      }
      case 5: {
        const uint64_t off = in.u16() % 0x10000;
        const auto b = in.fixed(std::min<size_t>(in.u8(), 0x10000 - off));
        auto dst = mem.slice(0x1000 + off, b.size()).value();
        std::copy(b.begin(), b.end(), dst.begin());
        break;
      }
    }
  }
  t.reset();
}

}  // namespace
}  // namespace zvmm::virtio

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  zvmm::fuzz::Input in(data, size);
  zvmm::virtio::run(in);
  return 0;
}

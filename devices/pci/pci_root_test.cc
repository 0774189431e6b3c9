#include "devices/pci/pci_root.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "base/event_fd.h"
#include "devices/pci/host_bridge.h"
#include "devices/pci/pci_error.h"
#include "devices/pci/testing/fake_interrupt.h"
#include "devices/pci/testing/fake_ioevent_registrar.h"
#include "devices/pci/testing/test_pci_device.h"
#include "vmm/layout.h"

namespace zvmm {
namespace {

using testing::FakeInterruptGroup;
using testing::FakeIoEventRegistrar;
using testing::TestPciDevice;

constexpr uint64_t kRam = 8 * layout::GiB;

class PciRootTest : public ::testing::Test {
 protected:
  uint32_t cfg_read32(uint8_t slot, uint16_t reg) {
    uint8_t b[4];
    root.config_read({0, slot, 0}, reg, b);
    return b[0] | b[1] << 8 | b[2] << 16 | uint32_t{b[3]} << 24;
  }
  void cfg_write(uint8_t slot, uint16_t reg, uint32_t v, size_t len = 4) {
    const uint8_t b[4] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8),
                          static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 24)};
    root.config_write({0, slot, 0}, reg, std::span(b, len));
  }
  void mmio_write32(uint64_t addr, uint32_t v) {
    const uint8_t b[4] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8),
                          static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 24)};
    mmio.write(addr, b);
  }
  uint32_t mmio_read32(uint64_t addr) {
    uint8_t b[4];
    mmio.read(addr, b);
    return b[0] | b[1] << 8 | b[2] << 16 | uint32_t{b[3]} << 24;
  }

  FakeIoEventRegistrar ioevents;  // outlives the buses and what is on them
  Bus mmio;
  Bus pio;
  PciRoot root{mmio, pio, PciWindows::for_guest(kRam), ioevents};
  std::shared_ptr<FakeInterruptGroup> group = std::make_shared<FakeInterruptGroup>(2);
  std::shared_ptr<TestPciDevice> dev = std::make_shared<TestPciDevice>(group);
};

TEST_F(PciRootTest, WindowsFollowTheLayout) {
  const auto w = PciWindows::for_guest(kRam);
  EXPECT_EQ(w.mmio32_start, layout::kPciMmio32Start);
  EXPECT_EQ(w.mmio32_size, layout::kPciMmio32Size);
  EXPECT_EQ(w.mmio64_start, layout::pci_mmio64_start(kRam));
  EXPECT_EQ(w.io_start, 0xc000u);
}

TEST_F(PciRootTest, HostBridgeAtSlotZero) {
  EXPECT_EQ(cfg_read32(0, 0), 0x00081b36u);
  EXPECT_EQ(cfg_read32(0, 0x08) >> 16, 0x0600u);
  EXPECT_NE(std::dynamic_pointer_cast<PciHostBridge>(root.device(0)), nullptr);
}

TEST_F(PciRootTest, AbsentFunctionsReadAllOnes) {
  EXPECT_EQ(cfg_read32(1, 0), 0xffffffffu);
  EXPECT_EQ(cfg_read32(31, 0), 0xffffffffu);
  uint8_t b[4];
  root.config_read({0, 0, 1}, 0, b);  // function 1 of the host bridge
  EXPECT_EQ(b[0], 0xff);
  root.config_read({1, 0, 0}, 0, b);  // bus 1
  EXPECT_EQ(b[3], 0xff);
  root.config_read({0, 40, 0}, 0, b);  // bad slot
  EXPECT_EQ(b[1], 0xff);
  cfg_write(5, 0x04, 0xffff);  // writes to nothing are dropped
}

TEST_F(PciRootTest, MalformedAccessesReadAllOnes) {
  uint8_t three[3];
  root.config_read({0, 0, 0}, 0, three);
  EXPECT_EQ(three[0], 0xff);
  uint8_t two[2];
  root.config_read({0, 0, 0}, 3, two);  // crosses a dword
  EXPECT_EQ(two[0], 0xff);
  uint8_t four[4];
  root.config_read({0, 0, 0}, 4096, four);
  EXPECT_EQ(four[0], 0xff);
  uint8_t eight[8];
  root.config_read({0, 0, 0}, 0, eight);
  EXPECT_EQ(eight[0], 0xff);
  root.config_read({0, 0, 0}, 0x100, four);  // extended space of a present function
  EXPECT_EQ(four[0], 0);
}

TEST_F(PciRootTest, AddDeviceAllocatesProgramsAndMapsBars) {
  EXPECT_EQ(root.add_device(dev), 1);
  const uint64_t bar0 = layout::pci_mmio64_start(kRam);
  EXPECT_EQ(dev->config().bar_address(0), bar0);
  EXPECT_EQ(dev->config().bar_address(2), layout::kPciMmio32Start);
  EXPECT_EQ(dev->config().bar_address(4), 0xc000u);
  EXPECT_EQ(cfg_read32(1, 0x04) & 0x3, 0x3u);  // I/O and memory decoding on
  EXPECT_EQ(root.bar_base(1, 0), bar0);
  EXPECT_EQ(root.bar_base(1, 2), layout::kPciMmio32Start);
  EXPECT_EQ(root.bar_base(1, 4), 0xc000u);
  EXPECT_EQ(mmio_read32(bar0 + TestPciDevice::kMagic), TestPciDevice::kMagicValue);
  // A second device goes to the next slot and the next naturally aligned BARs.
  auto dev2 = std::make_shared<TestPciDevice>(std::make_shared<FakeInterruptGroup>(2));
  EXPECT_EQ(root.add_device(dev2), 2);
  EXPECT_EQ(dev2->config().bar_address(0), bar0 + TestPciDevice::kBar0Size);
  EXPECT_EQ(dev2->config().bar_address(2), layout::kPciMmio32Start + TestPciDevice::kBar2Size);
  EXPECT_EQ(dev2->config().bar_address(4), 0xc010u);
}

TEST_F(PciRootTest, AddDeviceSetupErrors) {
  EXPECT_THROW(root.add_device(dev, 0), PciError);  // host bridge's slot
  EXPECT_THROW(root.add_device(dev, 32), PciError);
  EXPECT_THROW(root.add_device(nullptr), PciError);
  EXPECT_EQ(root.add_device(dev, 7), 7);
  for (int i = 0; i < 30; ++i) {
    root.add_device(std::make_shared<TestPciDevice>(std::make_shared<FakeInterruptGroup>(2)));
  }
  EXPECT_THROW(root.add_device(std::make_shared<TestPciDevice>(
                   std::make_shared<FakeInterruptGroup>(2))),
               PciError);
}

// A function with a single 64-bit memory BAR.
class MemOnlyDevice final : public PciDevice {
 public:
  MemOnlyDevice() { config_.add_bar(0, {.kind = PciBarKind::kMem64, .size = 0x4000}); }
  PciConfigSpace& config() override { return config_; }
  void read_bar(uint8_t, uint64_t, std::span<uint8_t> data) override {
    std::fill(data.begin(), data.end(), 0);
  }
  void write_bar(uint8_t, uint64_t, std::span<const uint8_t>) override {}

 private:
  PciConfigSpace config_{PciIds{.vendor = 0x1b36, .device = 0x0001}};
};

TEST_F(PciRootTest, WindowExhaustionThrowsAndReleasesPartialAllocations) {
  PciWindows tiny = PciWindows::for_guest(kRam);
  tiny.io_size = TestPciDevice::kBar4Size;  // room for one device's I/O BAR
  Bus mmio2, pio2;
  PciRoot small(mmio2, pio2, tiny, ioevents);
  small.add_device(std::make_shared<TestPciDevice>(std::make_shared<FakeInterruptGroup>(2)));
  // The second device gets BAR0 and BAR2, then fails on BAR4...
  EXPECT_THROW(small.add_device(std::make_shared<TestPciDevice>(
                   std::make_shared<FakeInterruptGroup>(2))),
               PciError);
  EXPECT_EQ(small.device(2), nullptr);
  // ...and gives BAR0's place back: the next 64-bit BAR lands right after the first device's.
  auto mem = std::make_shared<MemOnlyDevice>();
  EXPECT_EQ(small.add_device(mem), 2);
  EXPECT_EQ(small.bar_base(2, 0), tiny.mmio64_start + TestPciDevice::kBar0Size);
}

TEST_F(PciRootTest, GuestRelocatesBarThroughConfigWrites) {
  root.add_device(dev);
  const uint64_t old_base = *root.bar_base(1, 0);
  // Linux sizing: decode off, write all-ones, read mask, restore, decode on.
  cfg_write(1, 0x04, 0, 2);
  EXPECT_EQ(root.bar_base(1, 0), std::nullopt);
  cfg_write(1, 0x10, 0xffffffff);
  cfg_write(1, 0x14, 0xffffffff);
  EXPECT_EQ(cfg_read32(1, 0x10), 0xffffc004u);
  EXPECT_EQ(cfg_read32(1, 0x14), 0xffffffffu);
  cfg_write(1, 0x10, 0xc800'0000);
  cfg_write(1, 0x14, 0);
  cfg_write(1, 0x04, pci_reg::kCommandMemory, 2);
  EXPECT_EQ(root.bar_base(1, 0), 0xc800'0000u);
  EXPECT_EQ(mmio_read32(0xc800'0000 + TestPciDevice::kMagic), TestPciDevice::kMagicValue);
  EXPECT_EQ(mmio_read32(old_base + TestPciDevice::kMagic), 0xffffffffu);
}

TEST_F(PciRootTest, MsixEndToEndThroughConfigAndBar) {
  root.add_device(dev);
  const uint64_t bar0 = *root.bar_base(1, 0);
  const uint16_t ctl = dev->msix_offset() + 2;
  cfg_write(1, ctl, 0xc000, 2);  // enable + function mask, as Linux starts
  const uint64_t table = bar0 + TestPciDevice::kTableOffset;
  mmio_write32(table + 16 + 0, 0xfee00000);
  mmio_write32(table + 16 + 4, 0);
  mmio_write32(table + 16 + 8, 0x41);
  mmio_write32(table + 16 + 12, 0);  // unmask vector 1
  cfg_write(1, ctl, 0x8000, 2);      // clear function mask
  ASSERT_FALSE(group->updates.empty());
  EXPECT_EQ(group->updates.back().message, (MsiMessage{0xfee00000, 0x41}));
  mmio_write32(bar0 + TestPciDevice::kDoorbell, 1);
  EXPECT_EQ(group->triggers, (std::vector<uint32_t>{1}));
  mmio_write32(bar0 + TestPciDevice::kDoorbell, 0);  // vector 0 still masked
  EXPECT_EQ(group->triggers.size(), 1u);
  EXPECT_EQ(mmio_read32(bar0 + TestPciDevice::kPbaOffset), 1u);
}

TEST_F(PciRootTest, GarbageFromTheGuestNeverThrows) {
  root.add_device(dev);
  uint64_t x = 0x9e3779b97f4a7c15;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  for (int i = 0; i < 200000; ++i) {
    const uint64_t r = next();
    const uint8_t slot = r & 1;
    const size_t len = size_t{1} << (r >> 1 & 3);  // 1, 2, 4, 8
    const uint16_t reg = r >> 3 & 0x1ff;
    uint8_t buf[8];
    for (auto& b : buf) b = static_cast<uint8_t>(next());
    EXPECT_NO_THROW(root.config_write({0, slot, 0}, reg, std::span(buf, len)));
    EXPECT_NO_THROW(root.config_read({0, slot, 0}, reg, std::span(buf, len)));
    if (auto base = root.bar_base(1, 0)) {
      const uint64_t off = next() % (TestPciDevice::kBar0Size + 16);
      EXPECT_NO_THROW(mmio.write(*base + off, std::span(buf, len)));
      EXPECT_NO_THROW(mmio.read(*base + off, std::span(buf, len)));
    }
  }
}

TEST_F(PciRootTest, DoorbellsRegisteredAtPlugRefreshedAndUnregisteredWithTheRoot) {
  EventFd kick;
  auto d = std::make_shared<TestPciDevice>(std::make_shared<FakeInterruptGroup>(2));
  d->doorbell_list = {{.bar = 0, .offset = 0x1000, .len = 4, .event = &kick}};
  {
    Bus mmio2, pio2;
    PciRoot r(mmio2, pio2, PciWindows::for_guest(kRam), ioevents);
    const uint8_t slot = r.add_device(d);
    const uint64_t base = r.bar_base(slot, 0).value();
    EXPECT_EQ(ioevents.addresses(), (std::vector<uint64_t>{base + 0x1000}));
    d->doorbell_list.push_back({.bar = 0, .offset = 0x1008, .len = 4, .event = &kick});
    r.refresh_doorbells(*d);
    EXPECT_EQ(ioevents.addresses(), (std::vector<uint64_t>{base + 0x1000, base + 0x1008}));
    // The guest turns memory decoding off through config space.
    const uint8_t off[2] = {0, 0};
    r.config_write({0, slot, 0}, pci_reg::kCommand, off);
    EXPECT_TRUE(ioevents.registered.empty());
    const uint8_t on[2] = {pci_reg::kCommandMemory, 0};
    r.config_write({0, slot, 0}, pci_reg::kCommand, on);
    EXPECT_EQ(ioevents.registered.size(), 2u);
  }
  EXPECT_TRUE(ioevents.registered.empty());  // the root's destruction unregistered them
}

}  // namespace
}  // namespace zvmm

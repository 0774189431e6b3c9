#include "devices/pci/bar_mapper.h"

#include <gtest/gtest.h>

#include "devices/pci/testing/fake_interrupt.h"
#include "devices/pci/testing/test_pci_device.h"

namespace zvmm {
namespace {

using testing::FakeInterruptGroup;
using testing::TestPciDevice;
using Event = TestPciDevice::BarEvent;

class NullDevice : public BusDevice {
 public:
  void read(uint64_t, std::span<uint8_t>) override {}
  void write(uint64_t, std::span<const uint8_t>) override {}
};

class PciBarMapperTest : public ::testing::Test {
 protected:
  void write32(uint16_t off, uint32_t v) {
    const uint8_t b[4] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8),
                          static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 24)};
    dev->write_config(off, b);
    mapper.sync(dev);
  }
  void command(uint16_t v) {
    const uint8_t b[2] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8)};
    dev->write_config(pci_reg::kCommand, b);
    mapper.sync(dev);
  }
  uint32_t mmio_read32(uint64_t addr) {
    uint8_t b[4];
    mmio.read(addr, b);
    return b[0] | b[1] << 8 | b[2] << 16 | uint32_t{b[3]} << 24;
  }

  Bus mmio;
  Bus pio;
  PciBarMapper mapper{mmio, pio};
  std::shared_ptr<TestPciDevice> dev =
      std::make_shared<TestPciDevice>(std::make_shared<FakeInterruptGroup>(2));
};

TEST_F(PciBarMapperTest, NothingMappedUntilDecodingIsEnabled) {
  write32(0x10, 0xc000'0000);
  write32(0x18, 0xc001'0000);
  write32(0x20, 0xc000);
  EXPECT_TRUE(dev->events.empty());
  EXPECT_EQ(mmio_read32(0xc000'0004), 0xffffffffu);
  command(pci_reg::kCommandMemory);
  EXPECT_EQ(mapper.mapped_base(*dev, 0), 0xc000'0000u);
  EXPECT_EQ(mapper.mapped_base(*dev, 2), 0xc001'0000u);
  EXPECT_EQ(mapper.mapped_base(*dev, 4), std::nullopt);  // I/O decoding still off
  EXPECT_EQ(mmio_read32(0xc000'0004), TestPciDevice::kMagicValue);
  EXPECT_EQ(dev->events, (std::vector<Event>{{0, 0xc000'0000, true}, {2, 0xc001'0000, true}}));
  command(pci_reg::kCommandMemory | pci_reg::kCommandIo);
  EXPECT_EQ(mapper.mapped_base(*dev, 4), 0xc000u);
  const uint8_t b[1] = {1};
  EXPECT_TRUE(pio.write(0xc003, b));
  ASSERT_EQ(dev->other_writes.size(), 1u);
  EXPECT_EQ(dev->other_writes[0], (std::pair<uint8_t, uint64_t>{4, 3}));
}

TEST_F(PciBarMapperTest, GuestMovesA64BitBar) {
  write32(0x10, 0x0);
  write32(0x14, 0x10);  // 0x10_0000_0000
  command(pci_reg::kCommandMemory);
  EXPECT_EQ(mapper.mapped_base(*dev, 0), 0x10'0000'0000u);
  uint8_t w[4] = {0x78, 0x56, 0x34, 0x12};
  mmio.write(0x10'0000'0000, w);
  dev->events.clear();
  write32(0x10, 0x8000'0000);  // low half first...
  write32(0x14, 0x20);         // ...then high half
  EXPECT_EQ(mapper.mapped_base(*dev, 0), 0x20'8000'0000u);
  EXPECT_EQ(mmio_read32(0x10'0000'0000), 0xffffffffu);  // old place is gone
  EXPECT_EQ(mmio_read32(0x20'8000'0000), 0x12345678u);  // same device state
  ASSERT_GE(dev->events.size(), 2u);
  EXPECT_EQ(dev->events.front(), (Event{0, 0x10'0000'0000, false}));
  EXPECT_EQ(dev->events.back(), (Event{0, 0x20'8000'0000, true}));
}

TEST_F(PciBarMapperTest, DisablingMemoryDecodeUnmaps) {
  write32(0x18, 0xd000'0000);
  command(pci_reg::kCommandMemory);
  EXPECT_EQ(mapper.mapped_base(*dev, 2), 0xd000'0000u);
  command(0);
  EXPECT_EQ(mapper.mapped_base(*dev, 2), std::nullopt);
  EXPECT_EQ(dev->events.back(), (Event{2, 0xd000'0000, false}));
  EXPECT_NO_THROW(mmio.insert(std::make_shared<NullDevice>(), 0xd000'0000, 0x1000));
}

TEST_F(PciBarMapperTest, SizingWithDecodeOffLeavesBusAlone) {
  write32(0x18, 0xd000'0000);
  command(pci_reg::kCommandMemory);
  command(0);
  write32(0x18, 0xffff'ffff);
  EXPECT_EQ(dev->config().read32(0x18), 0xffff'f000u);
  write32(0x18, 0xd000'0000);
  command(pci_reg::kCommandMemory);
  EXPECT_EQ(mapper.mapped_base(*dev, 2), 0xd000'0000u);
}

TEST_F(PciBarMapperTest, OverlappingBarStaysUnmappedUntilTheConflictGoes) {
  mmio.insert(std::make_shared<NullDevice>(), 0xe000'0000, 0x1000);
  write32(0x18, 0xe000'0000);
  command(pci_reg::kCommandMemory);
  EXPECT_EQ(mapper.mapped_base(*dev, 2), std::nullopt);
  mmio.remove(0xe000'0000);
  command(pci_reg::kCommandMemory);  // any later config write retries
  EXPECT_EQ(mapper.mapped_base(*dev, 2), 0xe000'0000u);
}

TEST_F(PciBarMapperTest, BarsTradingPlaces) {
  write32(0x10, 0xc000'0000);
  write32(0x18, 0xc001'0000);
  command(pci_reg::kCommandMemory);
  write32(0x18, 0xc000'0000);  // collides with BAR0 for now
  EXPECT_EQ(mapper.mapped_base(*dev, 2), std::nullopt);
  write32(0x10, 0xc010'0000);
  EXPECT_EQ(mapper.mapped_base(*dev, 0), 0xc010'0000u);
  EXPECT_EQ(mapper.mapped_base(*dev, 2), 0xc000'0000u);
}

TEST_F(PciBarMapperTest, BarAtTheTopOfTheAddressSpaceIsNotMapped) {
  write32(0x10, 0xffff'c000);
  write32(0x14, 0xffff'ffff);  // ends exactly at 2^64
  command(pci_reg::kCommandMemory);
  EXPECT_EQ(mapper.mapped_base(*dev, 0), std::nullopt);
  EXPECT_TRUE(dev->events.empty());
}

TEST_F(PciBarMapperTest, UnmapAllRemovesEverything) {
  write32(0x10, 0xc000'0000);
  write32(0x18, 0xc001'0000);
  command(pci_reg::kCommandMemory);
  mapper.unmap_all(dev);
  EXPECT_EQ(mapper.mapped_base(*dev, 0), std::nullopt);
  EXPECT_EQ(mmio_read32(0xc000'0004), 0xffffffffu);
  EXPECT_EQ(dev->events.back(), (Event{2, 0xc001'0000, false}));
}

}  // namespace
}  // namespace zvmm

#include "devices/pci/bar_mapper.h"

#include <gtest/gtest.h>

#include "base/event_fd.h"

#include "devices/pci/testing/fake_interrupt.h"
#include "devices/pci/testing/fake_ioevent_registrar.h"
#include "devices/pci/testing/test_pci_device.h"

namespace zvmm {
namespace {

using testing::FakeInterruptGroup;
using testing::FakeIoEventRegistrar;
using Entry = FakeIoEventRegistrar::Entry;
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

  FakeIoEventRegistrar ioevents;  // outlives the buses and what is on them
  Bus mmio;
  Bus pio;
  EventFd kick0, kick1;  // doorbell EventFds: outlive the mapper, which unregisters on destruction
  PciBarMapper mapper{mmio, pio, ioevents};
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

// --- Doorbells ------------------------------------------------------------------------

IoEventAddress mmio_at(uint64_t addr, uint32_t len = 4) {
  return {IoEventSpace::kMmio, addr, len, std::nullopt};
}

class DoorbellTest : public PciBarMapperTest {
 protected:
  DoorbellTest() {
    // Two doorbells in the 32-bit BAR2 (as NVMe's SQ/CQ pair: 4 bytes, any
    // value) and one in the I/O BAR4 (2 bytes, only for the value 1).
    dev->doorbell_list = {
        {.bar = 2, .offset = 0x0, .len = 4, .event = &kick0},
        {.bar = 2, .offset = 0x8, .len = 4, .event = &kick1},
        {.bar = 4, .offset = 0x2, .len = 2, .datamatch = 1, .event = &kick0},
    };
    write32(0x18, 0xd000'0000);
    write32(0x20, 0xc000);
  }
  std::vector<Entry> bar2_at(uint64_t base) {
    return {{mmio_at(base), kick0.fd()}, {mmio_at(base + 8), kick1.fd()}};
  }
};

TEST_F(DoorbellTest, RegisteredWhenTheBarIsMapped) {
  EXPECT_TRUE(ioevents.registered.empty());  // decoding still off
  command(pci_reg::kCommandMemory);
  EXPECT_EQ(ioevents.registered, bar2_at(0xd000'0000));
  EXPECT_EQ(mapper.registered_doorbells(*dev, 2),
            (std::vector<IoEventAddress>{mmio_at(0xd000'0000), mmio_at(0xd000'0008)}));
  command(pci_reg::kCommandMemory | pci_reg::kCommandIo);
  ASSERT_EQ(ioevents.registered.size(), 3u);
  EXPECT_EQ(ioevents.registered[2],
            (Entry{{IoEventSpace::kPio, 0xc002, 2, uint64_t{1}}, kick0.fd()}));
  EXPECT_TRUE(mapper.registered_doorbells(*dev, 0).empty());  // BAR0 has none
}

TEST_F(DoorbellTest, FollowTheBarWhenTheGuestMovesIt) {
  command(pci_reg::kCommandMemory);
  write32(0x18, 0xd010'0000);
  EXPECT_EQ(ioevents.registered, bar2_at(0xd010'0000));
  EXPECT_EQ(ioevents.unregister_calls, 2);
  EXPECT_EQ(dev->events.back(), (Event{2, 0xd010'0000, true}));
}

TEST_F(DoorbellTest, UnregisteredWhenDecodingStopsOrTheDeviceGoes) {
  command(pci_reg::kCommandMemory | pci_reg::kCommandIo);
  command(pci_reg::kCommandMemory);  // I/O off: only BAR4's doorbell goes
  EXPECT_EQ(ioevents.registered, bar2_at(0xd000'0000));
  command(0);
  EXPECT_TRUE(ioevents.registered.empty());
  EXPECT_TRUE(mapper.registered_doorbells(*dev, 2).empty());
  command(pci_reg::kCommandMemory);
  EXPECT_EQ(ioevents.registered.size(), 2u);
  mapper.unmap_all(dev);
  EXPECT_TRUE(ioevents.registered.empty());
}

TEST_F(DoorbellTest, MapperDestructionUnregisters) {
  {
    PciBarMapper other{mmio, pio, ioevents};
    command(0);  // off in `mapper`, so `other` can map the BARs
    other.sync(dev);
    EXPECT_TRUE(ioevents.registered.empty());
    dev->config().set16(pci_reg::kCommand, pci_reg::kCommandMemory);
    other.sync(dev);
    EXPECT_EQ(ioevents.registered.size(), 2u);
  }
  EXPECT_TRUE(ioevents.registered.empty());
}

TEST_F(DoorbellTest, PartialFailureRollsBackAndLeavesMmioExits) {
  ioevents.fail_after = 1;  // the first doorbell registers, the second is refused
  command(pci_reg::kCommandMemory);
  EXPECT_TRUE(ioevents.registered.empty());  // the first one was rolled back
  EXPECT_EQ(ioevents.register_calls, 2);
  EXPECT_EQ(ioevents.unregister_calls, 1);
  EXPECT_TRUE(mapper.registered_doorbells(*dev, 2).empty());
  // The BAR itself is mapped: doorbell writes reach the device as MMIO exits.
  EXPECT_EQ(mapper.mapped_base(*dev, 2), 0xd000'0000u);
  const uint8_t b[4] = {7, 0, 0, 0};
  EXPECT_TRUE(mmio.write(0xd000'0008, b));
  EXPECT_EQ(dev->other_writes.back(), (std::pair<uint8_t, uint64_t>{2, 8}));
  // Other BARs are not affected.
  command(pci_reg::kCommandMemory | pci_reg::kCommandIo);
  EXPECT_EQ(ioevents.registered.size(), 1u);
  EXPECT_EQ(ioevents.registered[0].address.space, IoEventSpace::kPio);
}

TEST_F(DoorbellTest, RefusedDoorbellsAreRetriedWhenTheBarMoves) {
  ioevents.fail_all = true;
  command(pci_reg::kCommandMemory);
  EXPECT_TRUE(ioevents.registered.empty());
  ioevents.fail_all = false;
  write32(0x18, 0xd010'0000);
  EXPECT_EQ(ioevents.registered, bar2_at(0xd010'0000));
}

TEST_F(DoorbellTest, DoorbellOutsideItsBarKeepsTheWholeBarOnMmioExits) {
  dev->doorbell_list.push_back({.bar = 2, .offset = TestPciDevice::kBar2Size - 2, .len = 4,
                                .event = &kick1});
  command(pci_reg::kCommandMemory);
  EXPECT_TRUE(ioevents.registered.empty());
  EXPECT_EQ(ioevents.register_calls, 0);
  EXPECT_EQ(mapper.mapped_base(*dev, 2), 0xd000'0000u);
}

TEST_F(DoorbellTest, RefreshRegistersOnlyTheDifference) {
  command(pci_reg::kCommandMemory);
  ASSERT_EQ(ioevents.registered.size(), 2u);
  EventFd kick2;
  // A queue appears (NVMe: Create SQ once shadow doorbells are on).
  dev->doorbell_list.push_back({.bar = 2, .offset = 0x10, .len = 4, .event = &kick2});
  mapper.refresh_doorbells(*dev);
  EXPECT_EQ(ioevents.register_calls, 3);
  EXPECT_EQ(ioevents.unregister_calls, 0);  // the others stayed registered
  EXPECT_EQ(ioevents.fd_at(0xd000'0010), kick2.fd());
  // One goes away, and one address changes its EventFd.
  dev->doorbell_list.erase(dev->doorbell_list.begin() + 1);  // 0x8
  dev->doorbell_list[0].event = &kick1;                       // 0x0: kick0 -> kick1
  mapper.refresh_doorbells(*dev);
  EXPECT_EQ(ioevents.unregister_calls, 2);
  EXPECT_EQ(ioevents.registered,
            (std::vector<Entry>{{mmio_at(0xd000'0010), kick2.fd()}, {mmio_at(0xd000'0000), kick1.fd()}}));
  // All gone (NVMe: CC.EN = 0).
  dev->doorbell_list.clear();
  mapper.refresh_doorbells(*dev);
  EXPECT_TRUE(ioevents.registered.empty());
  mapper.unmap_all(dev);
}

TEST_F(DoorbellTest, RefreshThatFailsRollsBackTheBar) {
  command(pci_reg::kCommandMemory);
  EventFd kick2;
  dev->doorbell_list.push_back({.bar = 2, .offset = 0x10, .len = 4, .event = &kick2});
  ioevents.fail_all = true;
  mapper.refresh_doorbells(*dev);
  EXPECT_TRUE(ioevents.registered.empty());  // all of BAR2's, not only the new one
  ioevents.fail_all = false;
  mapper.refresh_doorbells(*dev);  // a refresh retries
  EXPECT_EQ(ioevents.registered.size(), 3u);
  mapper.unmap_all(dev);
}

TEST_F(DoorbellTest, RefreshOfAnUnmappedDeviceDoesNothing) {
  mapper.refresh_doorbells(*dev);
  EXPECT_EQ(ioevents.register_calls, 0);
}

}  // namespace
}  // namespace zvmm

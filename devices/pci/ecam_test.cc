#include "devices/pci/ecam.h"

#include <gtest/gtest.h>

#include "devices/pci/testing/fake_interrupt.h"
#include "devices/pci/testing/fake_ioevent_registrar.h"
#include "devices/pci/testing/test_pci_device.h"
#include "vmm/layout.h"

namespace zvmm {
namespace {

using testing::FakeInterruptGroup;
using testing::FakeIoEventRegistrar;
using testing::TestPciDevice;

class PciEcamTest : public ::testing::Test {
 protected:
  PciEcamTest() {
    mmio.insert(std::make_shared<PciEcam>(root), layout::kPciEcamStart, layout::kPciEcamSize);
    root->add_device(dev, 2);
  }
  static uint64_t at(uint8_t bus, uint8_t dev, uint8_t fn, uint16_t reg) {
    return layout::kPciEcamStart + (uint64_t{bus} << 20 | dev << 15 | fn << 12 | reg);
  }
  uint32_t read32(uint64_t addr) {
    uint8_t b[4];
    mmio.read(addr, b);
    return b[0] | b[1] << 8 | b[2] << 16 | uint32_t{b[3]} << 24;
  }
  void write32(uint64_t addr, uint32_t v) {
    const uint8_t b[4] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8),
                          static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 24)};
    mmio.write(addr, b);
  }

  FakeIoEventRegistrar ioevents;  // outlives the buses and what is on them
  Bus mmio;
  Bus pio;
  std::shared_ptr<PciRoot> root =
      std::make_shared<PciRoot>(mmio, pio, PciWindows::for_guest(1ull << 30), ioevents);
  std::shared_ptr<TestPciDevice> dev =
      std::make_shared<TestPciDevice>(std::make_shared<FakeInterruptGroup>(2));
};

TEST_F(PciEcamTest, DecodesOffsets) {
  EXPECT_EQ(PciEcam::bdf(0x0123'4567).bus, 0x12);
  EXPECT_EQ(PciEcam::bdf(0x0123'4567).device, (0x34567 >> 15) & 0x1f);
  EXPECT_EQ(PciEcam::bdf(0x0123'4567).function, 4);
  EXPECT_EQ(PciEcam::reg(0x0123'4567), 0x567);
  EXPECT_EQ(read32(at(0, 0, 0, 0)), 0x00081b36u);
  EXPECT_EQ(read32(at(0, 2, 0, 0)), 0x00051b36u);
  EXPECT_EQ(read32(at(0, 2, 0, 0x2c)), 0x11001b36u);
  uint8_t b[2];
  mmio.read(at(0, 2, 0, 0x2), b);
  EXPECT_EQ(b[0], 0x05);
}

TEST_F(PciEcamTest, AbsentAndMalformedReadAllOnes) {
  EXPECT_EQ(read32(at(0, 2, 1, 0)), 0xffffffffu);
  EXPECT_EQ(read32(at(1, 0, 0, 0)), 0xffffffffu);
  EXPECT_EQ(read32(at(255, 31, 7, 0xffc)), 0xffffffffu);
  EXPECT_EQ(read32(at(0, 2, 0, 0x100)), 0u);  // extended space of a present function
  uint8_t q[8];
  mmio.read(at(0, 2, 0, 0), q);
  EXPECT_EQ(q[0], 0xff);
}

TEST_F(PciEcamTest, WritesReachTheDeviceAndMoveBars) {
  write32(at(0, 2, 0, 0x18), 0xc100'0000);
  EXPECT_EQ(root->bar_base(2, 2), 0xc100'0000u);
  write32(at(0, 2, 0, 0x00), 0);  // read-only ID
  EXPECT_EQ(read32(at(0, 2, 0, 0)), 0x00051b36u);
}

}  // namespace
}  // namespace zvmm

#include "devices/pci/config_io.h"

#include <gtest/gtest.h>

#include "devices/pci/testing/fake_interrupt.h"
#include "devices/pci/testing/fake_ioevent_registrar.h"
#include "devices/pci/testing/test_pci_device.h"

namespace zvmm {
namespace {

using testing::FakeInterruptGroup;
using testing::FakeIoEventRegistrar;
using testing::TestPciDevice;

class PciConfigIoTest : public ::testing::Test {
 protected:
  PciConfigIoTest() {
    pio.insert(std::make_shared<PciConfigIo>(root), PciConfigIo::kBase, PciConfigIo::kSize);
    root->add_device(dev, 3);
  }
  void outl(uint16_t port, uint32_t v) {
    const uint8_t b[4] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8),
                          static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 24)};
    pio.write(port, b);
  }
  void outw(uint16_t port, uint16_t v) {
    const uint8_t b[2] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8)};
    pio.write(port, b);
  }
  void outb(uint16_t port, uint8_t v) {
    const uint8_t b[1] = {v};
    pio.write(port, b);
  }
  uint32_t inl(uint16_t port) {
    uint8_t b[4];
    pio.read(port, b);
    return b[0] | b[1] << 8 | b[2] << 16 | uint32_t{b[3]} << 24;
  }
  uint16_t inw(uint16_t port) {
    uint8_t b[2];
    pio.read(port, b);
    return static_cast<uint16_t>(b[0] | b[1] << 8);
  }
  uint8_t inb(uint16_t port) {
    uint8_t b[1];
    pio.read(port, b);
    return b[0];
  }
  static uint32_t address(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t reg) {
    return 0x8000'0000u | bus << 16 | dev << 11 | fn << 8 | reg;
  }

  FakeIoEventRegistrar ioevents;  // outlives the buses and what is on them
  Bus mmio;
  Bus pio;
  std::shared_ptr<PciRoot> root =
      std::make_shared<PciRoot>(mmio, pio, PciWindows::for_guest(1ull << 30), ioevents);
  std::shared_ptr<TestPciDevice> dev =
      std::make_shared<TestPciDevice>(std::make_shared<FakeInterruptGroup>(2));
};

TEST_F(PciConfigIoTest, LinuxType1Probe) {
  // arch/x86/pci/direct.c pci_check_type1().
  outb(0xcfb, 0x01);
  const uint32_t saved = inl(0xcf8);
  outl(0xcf8, 0x8000'0000);
  EXPECT_EQ(inl(0xcf8), 0x8000'0000u);
  outl(0xcf8, saved);
  // pci_sanity_check(): class of 00:00.0 via a word read at 0x0a.
  outl(0xcf8, address(0, 0, 0, 0x08));
  EXPECT_EQ(inw(0xcfe), 0x0600);
}

TEST_F(PciConfigIoTest, AddressRegisterReadBackAndSubDwordAccessesIgnored) {
  outl(0xcf8, 0x8000'1a7f);
  EXPECT_EQ(inl(0xcf8), 0x8000'1a7cu);  // bits 1:0 read as zero
  outw(0xcf8, 0);
  outb(0xcfa, 0);
  EXPECT_EQ(inl(0xcf8), 0x8000'1a7cu);
  EXPECT_EQ(inb(0xcf8), 0xff);
}

TEST_F(PciConfigIoTest, EnableBitGatesTheDataPort) {
  outl(0xcf8, address(0, 3, 0, 0) & ~0x8000'0000u);
  EXPECT_EQ(inl(0xcfc), 0xffffffffu);
  outl(0xcfc, 0);  // dropped
  outl(0xcf8, address(0, 3, 0, 0));
  EXPECT_EQ(inl(0xcfc), 0x00051b36u);
}

TEST_F(PciConfigIoTest, DecodesBusDeviceFunctionAndRegister) {
  outl(0xcf8, address(0, 3, 0, 0x2c));
  EXPECT_EQ(inl(0xcfc), 0x11001b36u);
  outl(0xcf8, address(0, 3, 1, 0));  // function 1 absent
  EXPECT_EQ(inl(0xcfc), 0xffffffffu);
  outl(0xcf8, address(1, 3, 0, 0));  // bus 1 absent
  EXPECT_EQ(inl(0xcfc), 0xffffffffu);
  outl(0xcf8, address(0, 4, 0, 0));  // empty slot
  EXPECT_EQ(inl(0xcfc), 0xffffffffu);
}

TEST_F(PciConfigIoTest, ByteAndWordAccessesInTheDataWindow) {
  outl(0xcf8, address(0, 3, 0, 0x00));
  EXPECT_EQ(inb(0xcfc), 0x36);
  EXPECT_EQ(inb(0xcfd), 0x1b);
  EXPECT_EQ(inb(0xcfe), 0x05);
  EXPECT_EQ(inb(0xcff), 0x00);
  EXPECT_EQ(inw(0xcfe), 0x0005);
  EXPECT_EQ(inw(0xcfd), 0x051b);  // unaligned word inside the dword
  // Interrupt line is writable by byte at 0x3c; pin at 0x3d is not.
  outl(0xcf8, address(0, 3, 0, 0x3c));
  outb(0xcfc, 0x0b);
  outb(0xcfd, 0x04);
  EXPECT_EQ(inw(0xcfc), 0x000b);
  // Command register by word, then the BAR mapping follows.
  outl(0xcf8, address(0, 3, 0, 0x04));
  outw(0xcfc, 0);
  EXPECT_EQ(root->bar_base(3, 2), std::nullopt);
  outw(0xcfc, 0x0002);
  EXPECT_NE(root->bar_base(3, 2), std::nullopt);
  // Access running past 0xcff is not ours.
  uint8_t b[4];
  EXPECT_FALSE(pio.read(0xcfe, b));
}

}  // namespace
}  // namespace zvmm

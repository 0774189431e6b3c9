#include "devices/pci/config_space.h"

#include <gtest/gtest.h>

#include <vector>

#include "devices/pci/pci_error.h"

namespace zvmm {
namespace {

PciConfigSpace make() {
  return PciConfigSpace(PciIds{.vendor = 0x1af4, .device = 0x1042, .class_code = 0x018000,
                               .revision = 1, .subsystem_vendor = 0x1af4, .subsystem = 0x40});
}

void write32(PciConfigSpace& c, uint16_t off, uint32_t v) {
  const uint8_t b[4] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8),
                        static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 24)};
  c.write(off, b);
}

TEST(PciConfigSpaceTest, HeaderFieldsAndReadOnlyIds) {
  auto c = make();
  EXPECT_EQ(c.read16(pci_reg::kVendorId), 0x1af4);
  EXPECT_EQ(c.read16(pci_reg::kDeviceId), 0x1042);
  EXPECT_EQ(c.read32(0x08), 0x01800001u);  // class 01, subclass 80, prog-if 00, rev 1
  EXPECT_EQ(c.read16(pci_reg::kSubsystemId), 0x40);
  EXPECT_EQ(c.read8(pci_reg::kHeaderType), 0);
  write32(c, 0, 0xdeadbeef);
  write32(c, 0x08, 0xffffffff);
  write32(c, 0x2c, 0);
  EXPECT_EQ(c.read32(0), 0x10421af4u);
  EXPECT_EQ(c.read32(0x08), 0x01800001u);
  EXPECT_EQ(c.read16(pci_reg::kSubsystemVendorId), 0x1af4);
}

TEST(PciConfigSpaceTest, CommandRegisterKeepsOnlyDefinedBits) {
  auto c = make();
  const uint8_t all[2] = {0xff, 0xff};
  c.write(pci_reg::kCommand, all);
  EXPECT_EQ(c.command(), 0x0547);
  EXPECT_TRUE(c.memory_enabled());
  EXPECT_TRUE(c.io_enabled());
  EXPECT_TRUE(c.bus_master_enabled());
  const uint8_t none[2] = {0, 0};
  c.write(pci_reg::kCommand, none);
  EXPECT_FALSE(c.memory_enabled());
  // Status is read-only; a dword write at 0x04 only changes the command.
  write32(c, pci_reg::kCommand, 0xffff0002);
  EXPECT_EQ(c.read16(pci_reg::kStatus), 0);
  EXPECT_EQ(c.command(), 0x0002);
}

TEST(PciConfigSpaceTest, InterruptLineWritablePinNot) {
  auto c = make();
  c.set_interrupt_pin(1);
  const uint8_t b[2] = {0x0b, 0x04};
  c.write(pci_reg::kInterruptLine, b);
  EXPECT_EQ(c.read8(pci_reg::kInterruptLine), 0x0b);
  EXPECT_EQ(c.read8(pci_reg::kInterruptPin), 1);
}

TEST(PciConfigSpaceTest, Mem32BarSizingAndProgramming) {
  auto c = make();
  c.add_bar(1, {.kind = PciBarKind::kMem32, .size = 0x1000});
  write32(c, 0x14, 0xffffffff);
  EXPECT_EQ(c.read32(0x14), 0xfffff000u);  // size mask, type bits 0 (32-bit, non-prefetch)
  write32(c, 0x14, 0xc0001234);
  EXPECT_EQ(c.read32(0x14), 0xc0001000u);
  EXPECT_EQ(c.bar_address(1), 0xc0001000u);
  ASSERT_TRUE(c.bar(1));
  EXPECT_EQ(c.bar(1)->size, 0x1000u);
  EXPECT_FALSE(c.bar(0));
  // Undeclared BARs read zero and stay zero (sized as absent).
  write32(c, 0x10, 0xffffffff);
  EXPECT_EQ(c.read32(0x10), 0u);
}

TEST(PciConfigSpaceTest, Mem64BarSizingBothHalves) {
  auto c = make();
  c.add_bar(0, {.kind = PciBarKind::kMem64, .size = 0x4000, .prefetchable = true});
  EXPECT_EQ(c.read32(0x10), 0xcu);  // 64-bit, prefetchable
  write32(c, 0x10, 0xffffffff);
  write32(c, 0x14, 0xffffffff);
  EXPECT_EQ(c.read32(0x10), 0xffffc00cu);
  EXPECT_EQ(c.read32(0x14), 0xffffffffu);
  write32(c, 0x10, 0x20000000);
  write32(c, 0x14, 0x1);
  EXPECT_EQ(c.bar_address(0), 0x1'2000'0000u);
  EXPECT_FALSE(c.bar(1));  // upper half is not a BAR of its own
  EXPECT_THROW(c.add_bar(1, {.kind = PciBarKind::kMem32, .size = 0x1000}), PciError);
}

TEST(PciConfigSpaceTest, LargeMem64BarHasReadOnlyLowAddressBits) {
  auto c = make();
  c.add_bar(2, {.kind = PciBarKind::kMem64, .size = 8ull << 30});
  write32(c, 0x18, 0xffffffff);
  write32(c, 0x1c, 0xffffffff);
  EXPECT_EQ(c.read32(0x18), 0x4u);
  EXPECT_EQ(c.read32(0x1c), 0xfffffffeu);
}

TEST(PciConfigSpaceTest, IoBarSizing) {
  auto c = make();
  c.add_bar(4, {.kind = PciBarKind::kIo, .size = 0x20});
  EXPECT_EQ(c.read32(0x20), 0x1u);
  write32(c, 0x20, 0xffffffff);
  EXPECT_EQ(c.read32(0x20), 0x0000ffe1u);
  write32(c, 0x20, 0xc040);
  EXPECT_EQ(c.bar_address(4), 0xc040u);
}

TEST(PciConfigSpaceTest, SetBarAddressChecksAlignment) {
  auto c = make();
  c.add_bar(0, {.kind = PciBarKind::kMem64, .size = 0x4000});
  c.set_bar_address(0, 0x10'0000'4000);
  EXPECT_EQ(c.bar_address(0), 0x10'0000'4000u);
  EXPECT_EQ(c.read32(0x10) & 0xf, 0x4u);  // type bits preserved
  EXPECT_THROW(c.set_bar_address(0, 0x10'0000'2000), PciError);
  EXPECT_THROW(c.set_bar_address(2, 0x1000), PciError);
}

TEST(PciConfigSpaceTest, RejectsBadBarDeclarations) {
  auto c = make();
  EXPECT_THROW(c.add_bar(6, {.kind = PciBarKind::kMem32, .size = 0x1000}), PciError);
  EXPECT_THROW(c.add_bar(5, {.kind = PciBarKind::kMem64, .size = 0x1000}), PciError);
  EXPECT_THROW(c.add_bar(0, {.kind = PciBarKind::kMem32, .size = 0x1800}), PciError);
  EXPECT_THROW(c.add_bar(0, {.kind = PciBarKind::kIo, .size = 0x200}), PciError);
  c.add_bar(0, {.kind = PciBarKind::kMem32, .size = 0x1000});
  EXPECT_THROW(c.add_bar(0, {.kind = PciBarKind::kMem32, .size = 0x1000}), PciError);
}

TEST(PciConfigSpaceTest, RomBarAbsent) {
  auto c = make();
  write32(c, pci_reg::kRomAddress, 0xfffff801);
  EXPECT_EQ(c.read32(pci_reg::kRomAddress), 0u);
}

TEST(PciConfigSpaceTest, CapabilityChain) {
  auto c = make();
  EXPECT_EQ(c.read16(pci_reg::kStatus) & pci_reg::kStatusCapabilitiesList, 0);
  const uint8_t body1[14] = {1, 2, 3};
  const uint8_t body2[2] = {0xaa, 0xbb};
  const uint8_t mask2[2] = {0x0f, 0x00};
  const uint8_t a = c.add_capability(0x09, body1);
  const uint8_t b = c.add_capability(0x11, body2, mask2);
  EXPECT_EQ(a, 0x40);
  EXPECT_EQ(b, 0x50);  // 0x40 + 16, dword aligned
  EXPECT_NE(c.read16(pci_reg::kStatus) & pci_reg::kStatusCapabilitiesList, 0);
  EXPECT_EQ(c.read8(pci_reg::kCapabilitiesPointer), 0x40);
  EXPECT_EQ(c.read8(0x40), 0x09);
  EXPECT_EQ(c.read8(0x41), 0x50);
  EXPECT_EQ(c.read8(0x42), 1);
  EXPECT_EQ(c.read8(0x50), 0x11);
  EXPECT_EQ(c.read8(0x51), 0x00);
  // Walk the chain like a guest.
  std::vector<uint8_t> ids;
  for (uint8_t p = c.read8(pci_reg::kCapabilitiesPointer); p; p = c.read8(p + 1)) {
    ids.push_back(c.read8(p));
  }
  EXPECT_EQ(ids, (std::vector<uint8_t>{0x09, 0x11}));
  // Only masked bits of the body are writable; ID/next never are.
  const uint8_t junk[4] = {0xff, 0xff, 0xff, 0xff};
  c.write(0x50, junk);
  EXPECT_EQ(c.read8(0x50), 0x11);
  EXPECT_EQ(c.read8(0x51), 0x00);
  EXPECT_EQ(c.read8(0x52), 0xaf);
  EXPECT_EQ(c.read8(0x53), 0xbb);
}

TEST(PciConfigSpaceTest, CapabilitySpaceExhaustionThrows) {
  auto c = make();
  const std::vector<uint8_t> big(180);
  c.add_capability(0x09, big);
  EXPECT_THROW(c.add_capability(0x09, big), PciError);
}

TEST(PciConfigSpaceTest, ExtendedSpaceReadsZeroIgnoresWrites) {
  auto c = make();
  uint8_t b[4] = {1, 1, 1, 1};
  c.read(0x100, b);
  EXPECT_EQ(b[0] | b[1] | b[2] | b[3], 0);
  const uint8_t w[4] = {1, 2, 3, 4};
  c.write(0xffe, w);  // straddles nothing we own; must not crash
  c.read(0xfc, b);    // last dword of the header
  EXPECT_EQ(b[0], 0);
}

}  // namespace
}  // namespace zvmm

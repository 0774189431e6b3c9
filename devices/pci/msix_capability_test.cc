#include "devices/pci/msix_capability.h"

#include <gtest/gtest.h>

#include "devices/pci/pci_error.h"
#include "devices/pci/testing/fake_interrupt.h"

namespace zvmm {
namespace {

using testing::FakeInterruptGroup;

class MsixCapabilityTest : public ::testing::Test {
 protected:
  MsixCapabilityTest() { config.add_bar(0, {.kind = PciBarKind::kMem64, .size = 0x4000}); }

  PciConfigSpace config{PciIds{.vendor = 0x1af4, .device = 0x1042}};
  std::shared_ptr<FakeInterruptGroup> group = std::make_shared<FakeInterruptGroup>(4);
  MsixTable table{4, group};
};

TEST_F(MsixCapabilityTest, CapabilityRegisters) {
  MsixCapability cap(config, table, {.table_bar = 0, .table_offset = 0x2000, .pba_bar = 0,
                                     .pba_offset = 0x3000});
  const uint8_t at = cap.offset();
  EXPECT_EQ(config.read8(pci_reg::kCapabilitiesPointer), at);
  EXPECT_EQ(config.read8(at), 0x11);
  EXPECT_EQ(config.read16(at + 2), 3);  // table size N - 1
  EXPECT_EQ(config.read32(at + 4), 0x2000u);
  EXPECT_EQ(config.read32(at + 8), 0x3000u);
}

TEST_F(MsixCapabilityTest, MessageControlWritesReachTheTable) {
  MsixCapability cap(config, table, {.table_bar = 0, .table_offset = 0x2000, .pba_bar = 0,
                                     .pba_offset = 0x3000});
  const uint16_t ctl = cap.offset() + 2;
  const uint8_t enable_masked[2] = {0xff, 0xc0};  // table size bits are read-only
  config.write(ctl, enable_masked);
  cap.config_written(ctl, 2);
  EXPECT_EQ(config.read16(ctl), 0xc003);
  EXPECT_TRUE(table.enabled());
  EXPECT_TRUE(table.function_masked());
  // A byte write to the high half (what a guest may do) also counts.
  const uint8_t enable[1] = {0x80};
  config.write(ctl + 1, enable);
  cap.config_written(ctl + 1, 1);
  EXPECT_FALSE(table.function_masked());
  // Dword write at the capability start covers Message Control too.
  const uint8_t off[4] = {0xff, 0xff, 0x00, 0x00};
  config.write(cap.offset(), off);
  cap.config_written(cap.offset(), 4);
  EXPECT_FALSE(table.enabled());
  // The table offset/BIR fields are read-only.
  const uint8_t junk[4] = {0xff, 0xff, 0xff, 0xff};
  config.write(cap.offset() + 4, junk);
  EXPECT_EQ(config.read32(cap.offset() + 4), 0x2000u);
}

TEST_F(MsixCapabilityTest, RejectsBadLayouts) {
  EXPECT_THROW(MsixCapability(config, table, {.table_bar = 2, .table_offset = 0}), PciError);
  EXPECT_THROW(MsixCapability(config, table, {.table_bar = 0, .table_offset = 0x3ff8,
                                              .pba_bar = 0, .pba_offset = 0}),
               PciError);
  EXPECT_THROW(MsixCapability(config, table, {.table_bar = 0, .table_offset = 0x2004,
                                              .pba_bar = 0, .pba_offset = 0x3000}),
               PciError);
  EXPECT_THROW(MsixCapability(config, table, {.table_bar = 0, .table_offset = 0x2000,
                                              .pba_bar = 0, .pba_offset = 0x2020}),
               PciError);
}

}  // namespace
}  // namespace zvmm

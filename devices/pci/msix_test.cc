#include "devices/pci/msix.h"

#include <gtest/gtest.h>

#include "devices/pci/pci_error.h"
#include "devices/pci/testing/fake_interrupt.h"

namespace zvmm {
namespace {

using testing::FakeInterruptGroup;

// An NVMe-like BAR0: registers at 0, doorbells from 0x1000, then the MSI-X
// table and PBA on their own 4 KiB pages (as QEMU lays out its controller).
constexpr uint64_t kBar0Size = 0x4000;
constexpr uint32_t kTable = 0x2000;
constexpr uint32_t kPba = 0x3000;
constexpr uint16_t kVectors = 5;

uint8_t* le32(uint8_t (&b)[4], uint32_t v) {
  for (int i = 0; i < 4; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
  return b;
}

class MsixTest : public ::testing::Test {
 protected:

  void bar_write32(uint64_t off, uint32_t v) {
    uint8_t b[4];
    ASSERT_TRUE(msix->write_bar(0, off, std::span<const uint8_t>(le32(b, v), 4)));
  }
  uint32_t bar_read32(uint64_t off) {
    uint8_t b[4] = {};
    EXPECT_TRUE(msix->read_bar(0, off, b));
    return b[0] | b[1] << 8 | b[2] << 16 | uint32_t{b[3]} << 24;
  }
  void write_control(uint16_t value) {
    const uint16_t at = msix->capability_offset() + 2;
    const uint8_t b[2] = {static_cast<uint8_t>(value), static_cast<uint8_t>(value >> 8)};
    config.write(at, b);
    msix->config_written(at, 2);
  }
  // Programs and unmasks vector `v` like Linux (message while masked).
  void program(uint16_t v, uint32_t data) {
    bar_write32(kTable + 16 * v, 0xfee00000);
    bar_write32(kTable + 16 * v + 4, 0);
    bar_write32(kTable + 16 * v + 8, data);
    bar_write32(kTable + 16 * v + 12, 0);
  }

  static PciConfigSpace make_config() {
    PciConfigSpace c{PciIds{.vendor = 0x1b36, .device = 0x0010, .class_code = 0x010802}};
    c.add_bar(0, {.kind = PciBarKind::kMem64, .size = kBar0Size});
    return c;
  }

  PciConfigSpace config = make_config();
  std::shared_ptr<FakeInterruptGroup> group = std::make_shared<FakeInterruptGroup>(kVectors);
  std::unique_ptr<Msix> msix = std::make_unique<Msix>(
      config, kVectors, group,
      MsixLayout{.table_bar = 0, .table_offset = kTable, .pba_bar = 0, .pba_offset = kPba});
};

TEST_F(MsixTest, SizesForLayingOutABar) {
  EXPECT_EQ(Msix::table_bytes(1), 16u);
  EXPECT_EQ(Msix::table_bytes(2048), 0x8000u);
  EXPECT_EQ(Msix::pba_bytes(1), 8u);
  EXPECT_EQ(Msix::pba_bytes(64), 8u);
  EXPECT_EQ(Msix::pba_bytes(65), 16u);
  EXPECT_EQ(Msix::table_bytes(kVectors), msix->table().table_bytes());
  EXPECT_EQ(Msix::pba_bytes(kVectors), msix->table().pba_bytes());
}

TEST_F(MsixTest, AddsTheCapability) {
  const uint8_t at = msix->capability_offset();
  EXPECT_EQ(config.read8(pci_reg::kCapabilitiesPointer), at);
  EXPECT_EQ(config.read8(at), MsixCapability::kId);
  EXPECT_EQ(config.read16(at + 2), kVectors - 1);  // disabled, unmasked, table size N - 1
  EXPECT_EQ(config.read32(at + 4), kTable);         // BIR 0
  EXPECT_EQ(config.read32(at + 8), kPba);
  EXPECT_EQ(msix->vectors(), kVectors);
  EXPECT_EQ(msix->layout().pba_offset, kPba);
}

TEST_F(MsixTest, ClaimsOnlyAccessesInsideTheTableAndPba) {
  uint8_t b[4];
  EXPECT_FALSE(msix->read_bar(0, 0x0, b));       // controller registers
  EXPECT_FALSE(msix->read_bar(0, 0x1000, b));    // doorbells
  EXPECT_FALSE(msix->write_bar(0, 0x1008, b));
  EXPECT_FALSE(msix->read_bar(0, kTable - 4, b));
  EXPECT_FALSE(msix->read_bar(0, kTable + 16 * kVectors, b));       // just past the table
  EXPECT_FALSE(msix->read_bar(0, kTable + 16 * kVectors - 2, b));   // straddles its end
  EXPECT_FALSE(msix->read_bar(2, kTable, b));                       // another BAR
  EXPECT_TRUE(msix->read_bar(0, kTable + 16 * kVectors - 4, b));
  EXPECT_TRUE(msix->read_bar(0, kPba, b));
  EXPECT_FALSE(msix->read_bar(0, kPba + 8, b));
  uint8_t q[8];
  EXPECT_TRUE(msix->read_bar(0, kPba, q));
}

TEST_F(MsixTest, TableAccessesProgramTheVectors) {
  program(3, 0x4043);
  EXPECT_EQ(msix->table().message(3), (MsiMessage{0xfee00000, 0x4043}));
  EXPECT_FALSE(msix->table().vector_masked(3));
  EXPECT_EQ(bar_read32(kTable + 16 * 3 + 8), 0x4043u);
  EXPECT_EQ(bar_read32(kTable + 16 * 4 + 12), 1u);  // others still masked
}

TEST_F(MsixTest, ControlWritesEnableDeliveryAndTriggerRaisesTheVector) {
  program(1, 0x41);
  EXPECT_FALSE(msix->trigger(1));  // MSI-X disabled: dropped
  EXPECT_TRUE(group->triggers.empty());
  write_control(MsixCapability::kControlEnable | MsixCapability::kControlFunctionMask);
  EXPECT_FALSE(msix->trigger(1));  // function masked: pending
  EXPECT_EQ(bar_read32(kPba), 1u << 1);
  write_control(MsixCapability::kControlEnable);  // unmask: the pending message goes out
  EXPECT_EQ(group->triggers, (std::vector<uint32_t>{1}));
  EXPECT_EQ(bar_read32(kPba), 0u);
  EXPECT_TRUE(msix->trigger(1));
  EXPECT_EQ(group->triggers, (std::vector<uint32_t>{1, 1}));
  EXPECT_FALSE(msix->trigger(kVectors));  // no such vector
}

TEST_F(MsixTest, PbaIsReadOnly) {
  write_control(MsixCapability::kControlEnable);
  msix->trigger(2);  // masked vector: pending
  bar_write32(kPba, 0);
  EXPECT_EQ(bar_read32(kPba), 1u << 2);
}

TEST_F(MsixTest, RejectsBadSetups) {
  auto make = [&](uint16_t vectors, uint32_t table, uint32_t pba, uint8_t bar = 0) {
    PciConfigSpace c{PciIds{.vendor = 0x1b36, .device = 0x0010}};
    c.add_bar(0, {.kind = PciBarKind::kMem64, .size = kBar0Size});
    c.add_bar(4, {.kind = PciBarKind::kIo, .size = 0x10});
    Msix m(c, vectors, std::make_shared<FakeInterruptGroup>(8),
           {.table_bar = bar, .table_offset = table, .pba_bar = bar, .pba_offset = pba});
  };
  EXPECT_NO_THROW(make(8, kTable, kPba));
  EXPECT_THROW(make(9, kTable, kPba), PciError);       // group too small
  EXPECT_THROW(make(0, kTable, kPba), PciError);
  EXPECT_THROW(make(8, kTable, kTable + 64), PciError);  // PBA inside the table
  EXPECT_THROW(make(8, kBar0Size - 16, kPba), PciError);  // table beyond the BAR
  EXPECT_THROW(make(8, 0, 8, 4), PciError);              // I/O BAR
}

}  // namespace
}  // namespace zvmm

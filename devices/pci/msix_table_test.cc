#include "devices/pci/msix_table.h"

#include <gtest/gtest.h>

#include "devices/pci/testing/fake_interrupt.h"

namespace zvmm {
namespace {

using testing::FakeInterruptGroup;

class MsixTableTest : public ::testing::Test {
 protected:
  void write32(uint64_t off, uint32_t v) {
    const uint8_t b[4] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8),
                          static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 24)};
    table.write_table(off, b);
  }
  uint32_t read32(uint64_t off) {
    uint8_t b[4];
    table.read_table(off, b);
    return b[0] | b[1] << 8 | b[2] << 16 | uint32_t{b[3]} << 24;
  }
  uint64_t pba() {
    uint8_t b[8];
    table.read_pba(0, b);
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = v << 8 | b[i];
    return v;
  }
  // Programs vector `v` like Linux: address/data while masked.
  void program(uint16_t v, uint32_t addr, uint32_t data) {
    write32(v * 16 + 0, addr);
    write32(v * 16 + 4, 0);
    write32(v * 16 + 8, data);
  }
  void unmask(uint16_t v) { write32(v * 16 + 12, 0); }
  void mask(uint16_t v) { write32(v * 16 + 12, 1); }

  std::shared_ptr<FakeInterruptGroup> group = std::make_shared<FakeInterruptGroup>(3);
  MsixTable table{3, group};
};

TEST_F(MsixTableTest, ResetStateIsMaskedAndDisabled) {
  EXPECT_EQ(table.table_bytes(), 48u);
  EXPECT_EQ(table.pba_bytes(), 8u);
  for (uint16_t v = 0; v < 3; ++v) {
    EXPECT_EQ(read32(v * 16 + 12), 1u);
    EXPECT_TRUE(table.vector_masked(v));
  }
  EXPECT_FALSE(table.enabled());
  EXPECT_FALSE(table.trigger(0));  // disabled: dropped, not pending
  EXPECT_EQ(pba(), 0u);
  EXPECT_TRUE(group->updates.empty());
}

TEST_F(MsixTableTest, WritesOfFourAndEightBytes) {
  write32(16, 0xfee01004);
  write32(20, 0x1);
  write32(24, 0x4041);
  EXPECT_EQ(read32(16), 0xfee01004u);
  EXPECT_EQ(table.message(1), (MsiMessage{0x1'fee01004, 0x4041}));
  const uint8_t q[8] = {0x00, 0x20, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00};
  table.write_table(16, q);
  EXPECT_EQ(table.message(1).address, 0xfee02000u);
  const uint8_t dq[8] = {0x22, 0, 0, 0, 0, 0, 0, 0};  // data + vector control (unmask)
  table.write_table(24, dq);
  EXPECT_EQ(table.message(1).data, 0x22u);
  EXPECT_FALSE(table.vector_masked(1));
  uint8_t r[8];
  table.read_table(16, r);
  EXPECT_EQ(r[1], 0x20);
  EXPECT_EQ(r[3], 0xfe);
  // Reserved vector-control bits read as zero.
  write32(12, 0xfffffffe);
  EXPECT_EQ(read32(12), 0u);
}

TEST_F(MsixTableTest, MalformedAccessesAreHarmless) {
  uint8_t b2[2] = {1, 1};
  table.read_table(0, b2);
  EXPECT_EQ(b2[0], 0);
  table.write_table(0, b2);                 // 2-byte write ignored
  write32(2, 0x12345678);                   // misaligned ignored
  write32(48, 0x12345678);                  // beyond the table
  write32(~0ull - 3, 0x12345678);
  uint8_t b8[8];
  table.read_table(44, b8);                  // 8 bytes not 8-aligned
  table.read_pba(4096, b8);
  EXPECT_EQ(table.message(0), MsiMessage{});
}

TEST_F(MsixTableTest, DeliversOnlyWhenEnabledAndUnmasked) {
  table.set_control(true, false);
  program(0, 0xfee00000, 0x31);
  EXPECT_FALSE(table.trigger(0));  // vector masked -> pending
  EXPECT_TRUE(table.pending(0));
  EXPECT_EQ(pba(), 1u);
  EXPECT_TRUE(group->triggers.empty());
  unmask(0);  // pending delivered on unmask
  ASSERT_EQ(group->triggers.size(), 1u);
  EXPECT_FALSE(table.pending(0));
  ASSERT_FALSE(group->updates.empty());
  EXPECT_EQ(group->updates.back().index, 0u);
  EXPECT_EQ(group->updates.back().message, (MsiMessage{0xfee00000, 0x31}));
  EXPECT_FALSE(group->updates.back().masked);
  EXPECT_TRUE(table.trigger(0));
  EXPECT_EQ(group->triggers.size(), 2u);
  EXPECT_FALSE(table.trigger(7));  // no such vector
}

TEST_F(MsixTableTest, FunctionMaskHoldsAllVectorsPending) {
  table.set_control(true, false);
  program(0, 0xfee00000, 0x30);
  program(2, 0xfee00000, 0x32);
  unmask(0);
  unmask(2);
  group->updates.clear();
  table.set_control(true, true);
  EXPECT_EQ(group->updates.size(), 2u);  // both told they are masked
  for (const auto& u : group->updates) EXPECT_TRUE(u.masked);
  EXPECT_FALSE(table.trigger(2));
  EXPECT_FALSE(table.trigger(1));  // vector 1 masked by itself too
  EXPECT_EQ(pba(), 0b110u);
  EXPECT_TRUE(group->triggers.empty());
  table.set_control(true, false);
  // Vector 2 fires; vector 1 is still masked and stays pending.
  EXPECT_EQ(group->triggers, (std::vector<uint32_t>{2}));
  EXPECT_EQ(pba(), 0b010u);
}

TEST_F(MsixTableTest, DisablingDropsButKeepsEarlierPendingBits) {
  table.set_control(true, false);
  EXPECT_FALSE(table.trigger(1));
  EXPECT_TRUE(table.pending(1));
  table.set_control(false, false);
  EXPECT_FALSE(table.trigger(0));
  EXPECT_FALSE(table.pending(0));
  EXPECT_TRUE(table.pending(1));
}

TEST_F(MsixTableTest, RoutingUpdatedOnlyWhenEffectiveStateChanges) {
  table.set_control(true, false);
  EXPECT_TRUE(group->updates.empty());  // all vectors still masked
  program(0, 0xfee00000, 0x30);
  EXPECT_TRUE(group->updates.empty());  // masked: nothing to route yet
  unmask(0);
  EXPECT_EQ(group->updates.size(), 1u);
  unmask(0);
  EXPECT_EQ(group->updates.size(), 1u);
  write32(8, 0x31);  // data changes while live
  ASSERT_EQ(group->updates.size(), 2u);
  EXPECT_EQ(group->updates.back().message.data, 0x31u);
  mask(0);
  ASSERT_EQ(group->updates.size(), 3u);
  EXPECT_TRUE(group->updates.back().masked);
}

TEST_F(MsixTableTest, FailedRoutingUpdateKeepsVectorPending) {
  table.set_control(true, false);
  program(0, 0xfee00000, 0x30);
  EXPECT_FALSE(table.trigger(0));
  group->fail_updates = true;
  unmask(0);
  EXPECT_TRUE(group->triggers.empty());
  EXPECT_TRUE(table.pending(0));
  group->fail_updates = false;
  write32(8, 0x30);  // any later write retries
  EXPECT_EQ(group->triggers.size(), 1u);
  EXPECT_FALSE(table.pending(0));
}

TEST(MsixTableSizeTest, PbaCoversAllVectors) {
  auto group = std::make_shared<FakeInterruptGroup>(65);
  MsixTable table(65, group);
  EXPECT_EQ(table.pba_bytes(), 16u);
  table.set_control(true, false);
  table.trigger(64);
  uint8_t b[4];
  table.read_pba(8, b);
  EXPECT_EQ(b[0], 1);
  table.read_pba(12, b);
  EXPECT_EQ(b[0], 0);
}

}  // namespace
}  // namespace zvmm

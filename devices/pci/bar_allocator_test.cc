#include "devices/pci/bar_allocator.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace zvmm {
namespace {

TEST(BarAllocatorTest, NaturallyAlignedFirstFit) {
  BarAllocator a(0xc000'0000, 0x10'0000);
  EXPECT_EQ(a.allocate(0x1000), 0xc000'0000u);
  EXPECT_EQ(a.allocate(0x4000), 0xc000'4000u);  // skips to a 16 KiB boundary
  EXPECT_EQ(a.allocate(0x1000), 0xc000'1000u);  // fills the hole
  EXPECT_EQ(a.allocate(0x10), 0xc000'2000u);
  EXPECT_EQ(a.allocate(0x10), 0xc000'2010u);
  EXPECT_EQ(a.allocate(0x8'0000), 0xc008'0000u);
}

TEST(BarAllocatorTest, UnalignedWindowStart) {
  BarAllocator a(0x1000, 0x10000);
  EXPECT_EQ(a.allocate(0x4000), 0x4000u);
  EXPECT_EQ(a.allocate(0x1000), 0x1000u);
}

TEST(BarAllocatorTest, ExhaustionAndFree) {
  BarAllocator a(0x10000, 0x4000);
  EXPECT_EQ(a.allocate(0x2000), 0x10000u);
  EXPECT_EQ(a.allocate(0x2000), 0x12000u);
  EXPECT_EQ(a.allocate(0x10), std::nullopt);
  EXPECT_EQ(a.allocate(0x8000), std::nullopt);  // larger than the window
  EXPECT_TRUE(a.free(0x10000));
  EXPECT_FALSE(a.free(0x10000));
  EXPECT_EQ(a.allocate(0x1000), 0x10000u);
}

TEST(BarAllocatorTest, WindowAtTopOfAddressSpace) {
  BarAllocator a(~0ull - 0xffff, 0x10000);  // [2^64 - 64 KiB, 2^64)
  EXPECT_EQ(a.allocate(0x8000), ~0ull - 0xffff);
  EXPECT_EQ(a.allocate(0x8000), ~0ull - 0x7fff);
  EXPECT_EQ(a.allocate(0x8000), std::nullopt);
}

TEST(BarAllocatorTest, RejectsBadSizesAndWindows) {
  BarAllocator a(0, 0x10000);
  EXPECT_THROW(a.allocate(0), std::invalid_argument);
  EXPECT_THROW(a.allocate(0x3000), std::invalid_argument);
  EXPECT_THROW(BarAllocator(0x1000, 0), std::invalid_argument);
  EXPECT_THROW(BarAllocator(~0ull, 2), std::invalid_argument);
}

}  // namespace
}  // namespace zvmm

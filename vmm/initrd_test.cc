#include "vmm/initrd.h"

#include <gtest/gtest.h>

#include "vmm/boot_errors.h"
#include "vmm/layout.h"

namespace zvmm {
namespace {

using layout::MiB;

TEST(InitrdTest, PlacedPageAlignedAtTheTopOfLowRam) {
  const auto p = place_initrd(10000, 512 * MiB, 32 * MiB, 0x7fffffff);
  EXPECT_EQ(p.size, 10000u);
  EXPECT_EQ(p.address % 4096, 0u);
  EXPECT_LE(p.address + p.size, 512 * MiB);
  EXPECT_GT(p.address + p.size + 4096, 512 * MiB);
}

TEST(InitrdTest, StaysBelowInitrdAddrMax) {
  const auto p = place_initrd(4096, 1024 * MiB, 32 * MiB, 256 * MiB - 1);
  EXPECT_EQ(p.address, 256 * MiB - 4096);
}

TEST(InitrdTest, StaysBelowTheMmioHoleForBigGuests) {
  const auto p = place_initrd(4096, 8192 * MiB, 32 * MiB, 0xffffffff);
  EXPECT_EQ(p.address + p.size, layout::kMmio32Start);
}

TEST(InitrdTest, NoPartsMeansNoInitrd) {
  EXPECT_EQ(place_initrd(0, 512 * MiB, 32 * MiB, 0x7fffffff), (InitrdPlacement{0, 0}));
}

TEST(InitrdTest, RefusesWhenItWouldOverlapTheKernel) {
  EXPECT_THROW(place_initrd(20 * MiB, 48 * MiB, 32 * MiB, 0x7fffffff), MemoryTooSmallError);
  EXPECT_NO_THROW(place_initrd(16 * MiB, 48 * MiB, 32 * MiB, 0x7fffffff));
}

TEST(InitrdTest, PartsAreContiguousAndFourByteAligned) {
  const GuestMemory memory = GuestMemory::create(64 * MiB);
  const std::vector<std::vector<uint8_t>> parts = {{1, 2, 3, 4, 5}, {6, 7}, {8}};
  // 5 bytes, pad to 8; 2 bytes to 10, pad to 12; 1 byte.
  EXPECT_EQ(initrd_total_size(parts), 13u);
  const auto p = load_initrds(parts, memory, 32 * MiB, 0x7fffffff);
  ASSERT_EQ(p.size, 13u);
  std::vector<uint8_t> back(13);
  ASSERT_TRUE(memory.read(p.address, back));
  EXPECT_EQ(back, (std::vector<uint8_t>{1, 2, 3, 4, 5, 0, 0, 0, 6, 7, 0, 0, 8}));
}

}  // namespace
}  // namespace zvmm

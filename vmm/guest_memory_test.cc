#include "vmm/guest_memory.h"

#include <gtest/gtest.h>

#include <array>
#include <limits>

#include "vmm/layout.h"

namespace zvmm {
namespace {

using layout::GiB;
using layout::MiB;

TEST(GuestMemoryTest, RejectsTooSmallOrUnalignedSizes) {
  EXPECT_THROW(GuestMemory::create(1 * MiB), GuestMemoryError);
  EXPECT_THROW(GuestMemory::create(64 * MiB + 1), GuestMemoryError);
}

TEST(GuestMemoryTest, SmallGuestIsOneRegionAtZero) {
  auto mem = GuestMemory::create(64 * MiB);
  ASSERT_EQ(mem.regions().size(), 1u);
  EXPECT_EQ(mem.regions()[0].gpa, 0u);
  EXPECT_EQ(mem.regions()[0].size(), 64 * MiB);
}

TEST(GuestMemoryTest, LargeGuestSkipsTheMmioHole) {
  auto mem = GuestMemory::create(4 * GiB);  // MAP_NORESERVE: no real allocation
  ASSERT_EQ(mem.regions().size(), 2u);
  EXPECT_EQ(mem.regions()[0].end(), layout::kMmio32Start);
  EXPECT_EQ(mem.regions()[1].gpa, 4 * GiB);
  EXPECT_EQ(mem.regions()[1].size(), 1 * GiB);
  EXPECT_FALSE(mem.slice(layout::kMmio32Start, 1));
  EXPECT_TRUE(mem.slice(4 * GiB, 1));
  // A range straddling the hole is refused even though both ends are RAM-adjacent.
  EXPECT_FALSE(mem.slice(layout::kMmio32Start - 4, 8));
}

TEST(GuestMemoryTest, LittleEndianRoundTrip) {
  auto mem = GuestMemory::create(16 * MiB);
  ASSERT_TRUE(mem.write_le<uint32_t>(0x1000, 0x11223344));
  std::array<uint8_t, 4> raw{};
  ASSERT_TRUE(mem.read(0x1000, raw));
  EXPECT_EQ(raw, (std::array<uint8_t, 4>{0x44, 0x33, 0x22, 0x11}));
  EXPECT_EQ(mem.read_le<uint16_t>(0x1001), 0x2233);
  ASSERT_TRUE(mem.write_le<uint64_t>(0x2000, 0x0102030405060708ull));
  EXPECT_EQ(mem.read_le<uint8_t>(0x2000), 0x08);
}

TEST(GuestMemoryTest, OutOfBoundsAccessIsRefusedAndTouchesNothing) {
  auto mem = GuestMemory::create(16 * MiB);
  const uint64_t end = 16 * MiB;
  EXPECT_TRUE(mem.slice(end - 8, 8));
  EXPECT_FALSE(mem.slice(end - 7, 8));
  EXPECT_FALSE(mem.slice(end, 0));
  EXPECT_FALSE(mem.write_le<uint64_t>(end - 4, ~0ull));
  EXPECT_EQ(mem.read_le<uint32_t>(end - 4), 0u);  // the partial write did not happen
  EXPECT_FALSE(mem.read_le<uint32_t>(end));
  std::array<uint8_t, 16> buf{};
  EXPECT_FALSE(mem.read(end - 8, buf));
  EXPECT_FALSE(mem.write(end - 8, buf));
}

TEST(GuestMemoryTest, OverflowingRangesAreRefused) {
  auto mem = GuestMemory::create(16 * MiB);
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  EXPECT_FALSE(mem.slice(0x1000, kMax));
  EXPECT_FALSE(mem.slice(kMax, 2));
  EXPECT_FALSE(mem.slice(kMax - 1, kMax));
}

TEST(GuestMemoryTest, CheckedSliceNamesWhatDidNotFit) {
  auto mem = GuestMemory::create(16 * MiB);
  try {
    mem.checked_slice(15 * MiB, 2 * MiB, "initrd");
    FAIL() << "expected GuestMemoryError";
  } catch (const GuestMemoryError& e) {
    EXPECT_NE(std::string(e.what()).find("initrd"), std::string::npos) << e.what();
  }
}

TEST(LeTest, LoadStoreThrowOutOfRange) {
  std::array<uint8_t, 4> buf{};
  EXPECT_THROW(store_le<uint32_t>(buf, 1, 1), std::out_of_range);
  EXPECT_THROW(load_le<uint64_t>(buf, 0), std::out_of_range);
  store_le<uint16_t>(buf, 2, 0xbeef);
  EXPECT_EQ(buf[2], 0xef);
  EXPECT_EQ(load_le<uint16_t>(buf, 2), 0xbeef);
}

}  // namespace
}  // namespace zvmm

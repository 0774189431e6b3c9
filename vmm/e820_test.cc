#include "vmm/e820.h"

#include <gtest/gtest.h>

#include "vmm/layout.h"

namespace zvmm {
namespace {

using layout::GiB;
using layout::MiB;

uint64_t total_ram(const std::vector<E820Entry>& map) {
  uint64_t total = 0;
  for (const auto& e : map) {
    if (e.type == E820Type::kRam) total += e.size;
  }
  return total;
}

TEST(E820Test, SmallGuestHasLowRamOnly) {
  const auto map = build_e820_map(512 * MiB);
  const std::vector<E820Entry> want = {
      {0, 0x9fc00, E820Type::kRam},
      {0x9fc00, 0x100000 - 0x9fc00, E820Type::kReserved},
      {0x100000, 512 * MiB - 0x100000, E820Type::kRam},
      {0xe0000000, 256 * MiB, E820Type::kReserved},
      {0xf0000000, 0x1000, E820Type::kReserved},
  };
  EXPECT_EQ(map, want);
}

TEST(E820Test, LargeGuestSplitsAroundTheMmioHole) {
  const auto map = build_e820_map(6 * GiB);
  ASSERT_EQ(map.size(), 6u);
  EXPECT_EQ(map[2], (E820Entry{0x100000, 0xc0000000 - 0x100000, E820Type::kRam}));
  EXPECT_EQ(map[5], (E820Entry{4 * GiB, 3 * GiB, E820Type::kRam}));
}

TEST(E820Test, EntriesAreSortedAndDisjoint) {
  for (uint64_t ram : {16 * MiB, 1 * GiB, 3 * GiB, 3 * GiB + 4096, 8 * GiB}) {
    const auto map = build_e820_map(ram);
    for (size_t i = 1; i < map.size(); ++i) {
      EXPECT_LE(map[i - 1].addr + map[i - 1].size, map[i].addr) << "ram=" << ram << " i=" << i;
    }
    // The reserved EBDA/BIOS area is carved out of RAM; everything else is RAM.
    EXPECT_EQ(total_ram(map), ram - (layout::kBiosAreaEnd - layout::kEbdaStart)) << ram;
  }
}

TEST(E820Test, Pci64WindowStartsAboveRamOnAGibBoundary) {
  EXPECT_EQ(layout::pci_mmio64_start(512 * MiB), 4 * GiB);
  EXPECT_EQ(layout::pci_mmio64_start(4 * GiB), 5 * GiB);
  EXPECT_EQ(layout::pci_mmio64_start(4 * GiB + 1), 6 * GiB);
}

}  // namespace
}  // namespace zvmm

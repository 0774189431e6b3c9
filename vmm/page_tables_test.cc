#include "vmm/page_tables.h"

#include <gtest/gtest.h>

#include "vmm/layout.h"

namespace zvmm {
namespace {

using layout::GiB;
using layout::MiB;

// Walks the tables the way the MMU does for a 2 MiB-page mapping.
std::optional<uint64_t> translate(const GuestMemory& m, uint64_t cr3, uint64_t va) {
  const uint64_t pml4e = *m.read_le<uint64_t>(cr3 + ((va >> 39) & 0x1ff) * 8);
  if (!(pml4e & kPtePresent)) return std::nullopt;
  const uint64_t pdpte = *m.read_le<uint64_t>((pml4e & ~0xfffull) + ((va >> 30) & 0x1ff) * 8);
  if (!(pdpte & kPtePresent)) return std::nullopt;
  const uint64_t pde = *m.read_le<uint64_t>((pdpte & ~0xfffull) + ((va >> 21) & 0x1ff) * 8);
  if (!(pde & kPtePresent) || !(pde & kPteHugePage)) return std::nullopt;
  return (pde & ~((2 * MiB) - 1) & 0x000f'ffff'ffff'f000ull) | (va & (2 * MiB - 1));
}

TEST(PageTablesTest, IdentityMapsTheFirstFourGiB) {
  const GuestMemory memory = GuestMemory::create(32 * MiB);
  const uint64_t cr3 = write_identity_page_tables(memory);
  EXPECT_EQ(cr3, layout::kPml4Start);
  for (uint64_t va : std::initializer_list<uint64_t>{0, 0x100200, 0x7000, 1 * GiB + 12345, 3 * GiB + 0x1fffff,
                                                     4 * GiB - 1}) {
    EXPECT_EQ(translate(memory, cr3, va), va) << std::hex << va;
  }
  EXPECT_EQ(translate(memory, cr3, 4 * GiB), std::nullopt);
}

TEST(PageTablesTest, EntriesArePresentWritableLargePages) {
  const GuestMemory memory = GuestMemory::create(32 * MiB);
  write_identity_page_tables(memory);
  EXPECT_EQ(*memory.read_le<uint64_t>(layout::kPml4Start), layout::kPdptStart | 0x3);
  EXPECT_EQ(*memory.read_le<uint64_t>(layout::kPdptStart + 8), (layout::kPdStart + 0x1000) | 0x3);
  EXPECT_EQ(*memory.read_le<uint64_t>(layout::kPdStart + 8), 2 * MiB | 0x83);
}

}  // namespace
}  // namespace zvmm

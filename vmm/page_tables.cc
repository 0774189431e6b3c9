#include "vmm/page_tables.h"

#include "vmm/layout.h"

namespace zvmm {

uint64_t write_identity_page_tables(const GuestMemory& memory) {
  using namespace layout;
  constexpr uint64_t kTable = 4096;
  constexpr uint64_t kEntries = 512;
  constexpr uint64_t kLarge = 2 * MiB;

  auto pml4 = memory.checked_slice(kPml4Start, kTable, "PML4");
  auto pdpt = memory.checked_slice(kPdptStart, kTable, "PDPT");
  auto pds = memory.checked_slice(kPdStart, kPdCount * kTable, "page directories");
  std::fill(pml4.begin(), pml4.end(), 0);
  std::fill(pdpt.begin(), pdpt.end(), 0);

  store_le<uint64_t>(pml4, 0, kPdptStart | kPtePresent | kPteWritable);
  for (uint64_t pd = 0; pd < kPdCount; ++pd) {
    store_le<uint64_t>(pdpt, pd * 8, (kPdStart + pd * kTable) | kPtePresent | kPteWritable);
    for (uint64_t i = 0; i < kEntries; ++i) {
      const uint64_t phys = (pd * kEntries + i) * kLarge;
      store_le<uint64_t>(pds, (pd * kEntries + i) * 8,
                         phys | kPtePresent | kPteWritable | kPteHugePage);
    }
  }
  return kPml4Start;
}

}  // namespace zvmm

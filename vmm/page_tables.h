// Identity page tables for the 64-bit boot entry: one PML4, one PDPT and
// layout::kPdCount page directories of 2 MiB pages map [0, kIdentityMappedBytes)
// virtual = physical. The kernel builds its own tables right after entry.
#pragma once

#include <cstdint>

#include "vmm/guest_memory.h"

namespace zvmm {

inline constexpr uint64_t kPtePresent = 1ull << 0;
inline constexpr uint64_t kPteWritable = 1ull << 1;
inline constexpr uint64_t kPteHugePage = 1ull << 7;  // PS: a 2 MiB page in a PD

// Writes the tables at layout::kPml4Start/kPdptStart/kPdStart. Returns the value
// for CR3.
uint64_t write_identity_page_tables(const GuestMemory& memory);

}  // namespace zvmm

// The boot GDT (layout::kGdtStart) and its translation to KVM segment registers.
// Entries: 0 null, 1 64-bit code, 2 data, 3 TSS. The kernel loads its own GDT
// early; this one only has to be valid for the 64-bit entry.
#pragma once

#include <linux/kvm.h>

#include <array>
#include <cstdint>

#include "vmm/guest_memory.h"

namespace zvmm {

// Encodes a segment descriptor. `flags` holds the access byte in bits 0-7 and the
// G/DB/L/AVL nibble in bits 12-15 (e.g. 0xa09b = 64-bit code, present, ring 0).
constexpr uint64_t gdt_entry(uint16_t flags, uint32_t base, uint32_t limit) {
  return ((static_cast<uint64_t>(base) & 0xff00'0000) << (56 - 24)) |
         ((static_cast<uint64_t>(flags) & 0xf0ff) << 40) |
         ((static_cast<uint64_t>(limit) & 0x000f'0000) << (48 - 16)) |
         ((static_cast<uint64_t>(base) & 0x00ff'ffff) << 16) |
         (static_cast<uint64_t>(limit) & 0xffff);
}

inline constexpr uint16_t kGdtCodeIndex = 1;
inline constexpr uint16_t kGdtDataIndex = 2;
inline constexpr uint16_t kGdtTssIndex = 3;

inline constexpr std::array<uint64_t, 4> kBootGdt = {
    gdt_entry(0, 0, 0),             // null
    gdt_entry(0xa09b, 0, 0xfffff),  // code: 64-bit, present, execute/read, 4 KiB granular
    gdt_entry(0xc093, 0, 0xfffff),  // data: 32-bit, present, read/write, 4 KiB granular
    gdt_entry(0x808b, 0, 0xfffff),  // TSS: present, busy 64-bit TSS
};

// The KVM view of descriptor `entry` loaded through selector `index * 8`.
kvm_segment segment_from_gdt_entry(uint64_t entry, uint16_t index);

// Writes kBootGdt at layout::kGdtStart and an empty IDT at layout::kIdtStart.
void write_boot_gdt(const GuestMemory& memory);

}  // namespace zvmm

#include "vmm/gdt.h"

#include "vmm/layout.h"

namespace zvmm {

kvm_segment segment_from_gdt_entry(uint64_t entry, uint16_t index) {
  kvm_segment s{};
  s.base = ((entry >> 16) & 0x00ff'ffff) | (((entry >> 56) & 0xff) << 24);
  uint32_t limit = static_cast<uint32_t>((entry & 0xffff) | (((entry >> 48) & 0xf) << 16));
  s.g = (entry >> 55) & 1;
  // KVM takes the limit in bytes.
  s.limit = s.g ? (limit << 12) | 0xfff : limit;
  s.selector = static_cast<uint16_t>(index * 8);
  s.type = (entry >> 40) & 0xf;
  s.s = (entry >> 44) & 1;
  s.dpl = (entry >> 45) & 3;
  s.present = (entry >> 47) & 1;
  s.avl = (entry >> 52) & 1;
  s.l = (entry >> 53) & 1;
  s.db = (entry >> 54) & 1;
  s.unusable = s.present ? 0 : 1;
  return s;
}

void write_boot_gdt(const GuestMemory& memory) {
  auto gdt = memory.checked_slice(layout::kGdtStart, kBootGdt.size() * sizeof(uint64_t), "GDT");
  for (size_t i = 0; i < kBootGdt.size(); ++i) store_le<uint64_t>(gdt, i * 8, kBootGdt[i]);
  auto idt = memory.checked_slice(layout::kIdtStart, sizeof(uint64_t), "IDT");
  store_le<uint64_t>(idt, 0, 0);
}

}  // namespace zvmm

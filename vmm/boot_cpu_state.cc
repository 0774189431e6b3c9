#include "vmm/boot_cpu_state.h"

#include "vmm/gdt.h"
#include "vmm/layout.h"

namespace zvmm {

kvm_regs boot_regs(uint64_t entry) {
  kvm_regs r{};
  r.rflags = 0x2;
  r.rip = entry;
  r.rsp = layout::kBootStackPointer;
  r.rbp = layout::kBootStackPointer;
  r.rsi = layout::kZeroPageStart;
  return r;
}

void configure_long_mode(kvm_sregs& sregs, uint64_t page_table_root) {
  const kvm_segment code = segment_from_gdt_entry(kBootGdt[kGdtCodeIndex], kGdtCodeIndex);
  const kvm_segment data = segment_from_gdt_entry(kBootGdt[kGdtDataIndex], kGdtDataIndex);
  const kvm_segment tss = segment_from_gdt_entry(kBootGdt[kGdtTssIndex], kGdtTssIndex);
  sregs.cs = code;
  sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
  sregs.tr = tss;

  sregs.gdt.base = layout::kGdtStart;
  sregs.gdt.limit = static_cast<uint16_t>(kBootGdt.size() * sizeof(uint64_t) - 1);
  sregs.idt.base = layout::kIdtStart;
  sregs.idt.limit = sizeof(uint64_t) - 1;

  sregs.cr0 |= kCr0ProtectionEnable | kCr0Paging;
  sregs.cr3 = page_table_root;
  sregs.cr4 |= kCr4Pae;
  sregs.efer |= kEferLongModeEnable | kEferLongModeActive;
}

kvm_fpu boot_fpu() {
  kvm_fpu f{};
  f.fcw = 0x37f;
  f.mxcsr = 0x1f80;
  return f;
}

}  // namespace zvmm

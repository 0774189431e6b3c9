// The register state of the boot vCPU at the Linux 64-bit entry point: long
// mode with paging on (identity tables), flat segments from the boot GDT,
// interrupts off, RSI -> boot_params. Application processors are left in
// KVM's wait-for-SIPI state; the kernel starts them.
#pragma once

#include <linux/kvm.h>

#include <cstdint>

namespace zvmm {

inline constexpr uint64_t kCr0ProtectionEnable = 1ull << 0;
inline constexpr uint64_t kCr0Paging = 1ull << 31;
inline constexpr uint64_t kCr4Pae = 1ull << 5;
inline constexpr uint64_t kEferLongModeEnable = 1ull << 8;
inline constexpr uint64_t kEferLongModeActive = 1ull << 10;

// General registers: RIP = entry, RSP/RBP = layout::kBootStackPointer,
// RSI = layout::kZeroPageStart, RFLAGS = reserved bit 1 only.
kvm_regs boot_regs(uint64_t entry);

// Updates `sregs` (as read from the vCPU) for long mode: segments from the boot
// GDT, GDT/IDT registers, CR0.PE|PG, CR3 = `page_table_root`, CR4.PAE, EFER.LME|LMA.
void configure_long_mode(kvm_sregs& sregs, uint64_t page_table_root);

// x87 control word and MXCSR at their reset defaults.
kvm_fpu boot_fpu();

}  // namespace zvmm

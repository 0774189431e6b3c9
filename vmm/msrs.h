// Model-specific registers set on every vCPU before the first KVM_RUN.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <vector>

namespace zvmm {

inline constexpr uint32_t kMsrTsc = 0x10;
inline constexpr uint32_t kMsrSysenterCs = 0x174;
inline constexpr uint32_t kMsrSysenterEsp = 0x175;
inline constexpr uint32_t kMsrSysenterEip = 0x176;
inline constexpr uint32_t kMsrMiscEnable = 0x1a0;
inline constexpr uint32_t kMsrMtrrDefType = 0x2ff;
inline constexpr uint32_t kMsrStar = 0xc000'0081;
inline constexpr uint32_t kMsrLstar = 0xc000'0082;
inline constexpr uint32_t kMsrCstar = 0xc000'0083;
inline constexpr uint32_t kMsrSyscallMask = 0xc000'0084;
inline constexpr uint32_t kMsrKernelGsBase = 0xc000'0102;

inline constexpr uint64_t kMiscEnableFastString = 1ull << 0;
inline constexpr uint64_t kMtrrEnable = 1ull << 11;
inline constexpr uint64_t kMtrrTypeWriteBack = 6;

// SYSENTER/SYSCALL MSRs and KERNEL_GS_BASE zeroed, TSC = 0, fast strings on,
// MTRRs enabled with write-back as the default memory type.
std::vector<kvm_msr_entry> boot_msrs();

}  // namespace zvmm

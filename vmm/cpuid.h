// Guest CPUID: start from KVM_GET_SUPPORTED_CPUID and fix up what depends on the
// vCPU and the VM shape. Topology: one socket of `vcpu_count` cores with one
// thread each; the APIC id of vCPU i is i.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <vector>

namespace zvmm {

struct CpuidConfig {
  uint32_t vcpu_id = 0;
  uint32_t vcpu_count = 1;
  // KVM_CAP_TSC_DEADLINE_TIMER: the in-kernel LAPIC can emulate TSC-deadline mode.
  bool tsc_deadline = false;
};

// Leaf 1 bits.
inline constexpr uint32_t kCpuidLeaf1EcxTscDeadline = 1u << 24;
inline constexpr uint32_t kCpuidLeaf1EcxHypervisor = 1u << 31;
inline constexpr uint32_t kCpuidLeaf1EdxHtt = 1u << 28;
// Leaf 0x80000001 ECX: AMD core performance counters (PERFCTR_CORE, MSRs
// 0xc0010200..) and the legacy PerfCtr MSRs behind them. zvmm offers no PMU:
// without this bit the guest does not probe them (KVM reported an unhandled
// WRMSR 0xc0010007 from the nested guest otherwise).
inline constexpr uint32_t kCpuidExt1EcxPerfctrCore = 1u << 23;

// Number of APIC-id bits needed to number `count` cores (ceil(log2(count))).
uint32_t apic_id_bits(uint32_t count);

// Returns `supported` with the fix-ups for one vCPU applied:
// - leaf 0x1: initial APIC id (EBX[31:24]), logical processor count (EBX[23:16]),
//   HTT when more than one vCPU, hypervisor bit, TSC-deadline if available;
// - leaf 0x4: cores per package, threads sharing each cache;
// - leaves 0xb/0x1f: x2APIC id (EDX) and the SMT/core levels;
// - leaf 0x80000001: PERFCTR_CORE cleared (no PMU);
// - leaf 0x80000008: AMD core count; leaf 0x8000001e: AMD extended APIC id.
// Everything else is KVM's, unchanged. Notably leaf 0xD (XSAVE): its sub-leaves
// keep their KVM_CPUID_FLAG_SIGNIFCANT_INDEX entries, which KVM needs to keep
// (0xD,0).EBX and (0xD,1).EBX in step with the guest's XCR0/XSS.
std::vector<kvm_cpuid_entry2> cpuid_for_vcpu(std::vector<kvm_cpuid_entry2> supported,
                                             const CpuidConfig& config);

}  // namespace zvmm

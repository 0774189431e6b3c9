// The virtual machine monitor: builds a VM from a VmConfig and runs it to the
// end. Call order (docs/architecture.md):
//
//   main -> Vmm::run
//     GuestMemory::create, load_linux           (no KVM yet: image/size errors first)
//     Disks: open every --disk                  (before KVM: disk errors next)
//     Kvm::open, PVM check, Kvm::create_vm
//     Vm: memory slots, TSS, irqchip, PIT
//     DeviceManager: legacy devices, PCI root   (buses); Disks::attach
//     Vcpu x N: CPUID, MSRs, LAPIC; BSP registers for the 64-bit entry
//     EventLoop (signals, console input), VcpuThread x N
//     VmStop::wait (an exit status waits for the console: console_drain.h)
//       -> kick and join vCPUs -> Disks::shutdown (final flush)
//       -> exit status (a failed final flush: 8)
#pragma once

#include "vmm/cli.h"

namespace zvmm {

class Vmm {
 public:
  explicit Vmm(VmConfig config) : config_(std::move(config)) {}

  // Runs the guest and returns zvmm's exit status (exit_codes.h). Setup
  // failures throw: BootImageError, MemoryTooSmallError, BootConfigError,
  // KvmUnavailable, PvmHostError, DiskError, KvmError; main() maps them to
  // exit codes.
  int run();

 private:
  VmConfig config_;
};

}  // namespace zvmm

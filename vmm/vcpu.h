// A KVM vCPU fd and its shared kvm_run area: register state, CPUID, MSRs,
// LAPIC, and KVM_RUN. Exits are interpreted by VcpuRunner (vcpu_runner.h).
#pragma once

#include <linux/kvm.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/unique_fd.h"

namespace zvmm {

// The mmap of a vCPU fd holding struct kvm_run; unmapped on destruction.
class KvmRunMapping {
 public:
  KvmRunMapping(int vcpu_fd, size_t size);
  KvmRunMapping(KvmRunMapping&& other) noexcept;
  KvmRunMapping& operator=(KvmRunMapping&&) = delete;
  KvmRunMapping(const KvmRunMapping&) = delete;
  KvmRunMapping& operator=(const KvmRunMapping&) = delete;
  ~KvmRunMapping();

  kvm_run* get() const { return run_; }
  size_t size() const { return size_; }

 private:
  kvm_run* run_ = nullptr;
  size_t size_ = 0;
};

class Vcpu {
 public:
  // Made by Vm::create_vcpu().
  Vcpu(uint32_t id, UniqueFd fd, size_t mmap_size);

  uint32_t id() const { return id_; }
  int fd() const { return fd_.get(); }

  kvm_regs regs() const;
  void set_regs(const kvm_regs& regs) const;
  kvm_sregs sregs() const;
  void set_sregs(const kvm_sregs& sregs) const;
  void set_fpu(const kvm_fpu& fpu) const;
  void set_cpuid(const std::vector<kvm_cpuid_entry2>& entries) const;
  // KVM_SET_MSRS; throws unless every entry was accepted (naming the first refused).
  void set_msrs(const std::vector<kvm_msr_entry>& entries) const;
  kvm_lapic_state lapic() const;
  void set_lapic(const kvm_lapic_state& state) const;

  enum class RunResult {
    kExit,         // state() describes the exit
    kInterrupted,  // a signal or immediate_exit stopped KVM_RUN before an exit
  };
  // One KVM_RUN. Throws KvmError on failures other than EINTR/EAGAIN.
  RunResult run() const;

  // The shared kvm_run area (exit reason and exit data).
  kvm_run& state() const { return *run_.get(); }

  // Makes the next (or current, once kicked by a signal) KVM_RUN return at once.
  void set_immediate_exit(bool value) const;

 private:
  uint32_t id_;
  UniqueFd fd_;
  KvmRunMapping run_;
};

}  // namespace zvmm

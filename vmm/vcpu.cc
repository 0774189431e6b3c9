#include "vmm/vcpu.h"

#include <sys/ioctl.h>
#include <sys/mman.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <utility>

#include "vmm/kvm_error.h"
#include "vmm/kvm_uapi.h"

namespace zvmm {

KvmRunMapping::KvmRunMapping(int vcpu_fd, size_t size) : size_(size) {
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_fd, 0);
  if (p == MAP_FAILED) throw KvmError("mmap of kvm_run", errno);
  run_ = static_cast<kvm_run*>(p);
}

KvmRunMapping::KvmRunMapping(KvmRunMapping&& other) noexcept
    : run_(std::exchange(other.run_, nullptr)), size_(std::exchange(other.size_, 0)) {}

KvmRunMapping::~KvmRunMapping() {
  if (run_ != nullptr) munmap(run_, size_);
}

Vcpu::Vcpu(uint32_t id, UniqueFd fd, size_t mmap_size)
    : id_(id), fd_(std::move(fd)), run_(fd_.get(), mmap_size) {}

kvm_regs Vcpu::regs() const {
  kvm_regs r{};
  kvm_ioctl(fd_.get(), KVM_GET_REGS, &r, "KVM_GET_REGS");
  return r;
}

void Vcpu::set_regs(const kvm_regs& regs) const {
  kvm_ioctl(fd_.get(), KVM_SET_REGS, &regs, "KVM_SET_REGS");
}

kvm_sregs Vcpu::sregs() const {
  kvm_sregs s{};
  kvm_ioctl(fd_.get(), KVM_GET_SREGS, &s, "KVM_GET_SREGS");
  return s;
}

void Vcpu::set_sregs(const kvm_sregs& sregs) const {
  kvm_ioctl(fd_.get(), KVM_SET_SREGS, &sregs, "KVM_SET_SREGS");
}

void Vcpu::set_fpu(const kvm_fpu& fpu) const {
  kvm_ioctl(fd_.get(), KVM_SET_FPU, &fpu, "KVM_SET_FPU");
}

void Vcpu::set_cpuid(const std::vector<kvm_cpuid_entry2>& entries) const {
  kvm_uapi::FlexBuffer<kvm_uapi::Cpuid2Header, kvm_cpuid_entry2> cpuid(entries.size());
  cpuid.header()->nent = static_cast<uint32_t>(entries.size());
  cpuid.assign(entries);
  kvm_ioctl(fd_.get(), kvm_uapi::kSetCpuid2, cpuid.data(), "KVM_SET_CPUID2");
}

void Vcpu::set_msrs(const std::vector<kvm_msr_entry>& entries) const {
  kvm_uapi::FlexBuffer<kvm_uapi::MsrsHeader, kvm_msr_entry> msrs(entries.size());
  msrs.header()->nmsrs = static_cast<uint32_t>(entries.size());
  msrs.assign(entries);
  const int set = kvm_ioctl(fd_.get(), kvm_uapi::kSetMsrs, msrs.data(), "KVM_SET_MSRS");
  if (static_cast<size_t>(set) != entries.size()) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "KVM_SET_MSRS on vCPU %u refused MSR 0x%x", id_,
                  entries[static_cast<size_t>(set)].index);
    throw KvmError(buf, EINVAL);
  }
}

kvm_lapic_state Vcpu::lapic() const {
  kvm_lapic_state s{};
  kvm_ioctl(fd_.get(), KVM_GET_LAPIC, &s, "KVM_GET_LAPIC");
  return s;
}

void Vcpu::set_lapic(const kvm_lapic_state& state) const {
  kvm_ioctl(fd_.get(), KVM_SET_LAPIC, &state, "KVM_SET_LAPIC");
}

Vcpu::RunResult Vcpu::run() const {
  if (::ioctl(fd_.get(), KVM_RUN, 0) == 0) return RunResult::kExit;
  if (errno == EINTR || errno == EAGAIN) return RunResult::kInterrupted;
  throw KvmError("KVM_RUN on vCPU " + std::to_string(id_), errno);
}

void Vcpu::set_immediate_exit(bool value) const {
  // The kernel reads this byte on entry to KVM_RUN; another thread sets it.
  std::atomic_ref<uint8_t>(run_.get()->immediate_exit).store(value ? 1 : 0);
}

}  // namespace zvmm

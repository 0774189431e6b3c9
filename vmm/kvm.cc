#include "vmm/kvm.h"

#include <fcntl.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "vmm/kvm_uapi.h"

namespace zvmm {

Kvm Kvm::open(const std::string& device) {
  UniqueFd fd(::open(device.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd) {
    const int err = errno;
    if (err == ENOENT || err == ENODEV || err == ENXIO) {
      throw KvmUnavailable(device + " does not exist: KVM is not available on this host "
                           "(load kvm_intel or kvm_amd, or run inside the emulated KVM host "
                           "tests/kvm-host/run)", err);
    }
    if (err == EACCES || err == EPERM) {
      throw KvmUnavailable("permission denied opening " + device +
                           " (add this user to the kvm group or run as root)", err);
    }
    throw KvmUnavailable("cannot open " + device + ": " + std::strerror(err), err);
  }
  const int version = ::ioctl(fd.get(), KVM_GET_API_VERSION, 0);
  if (version != kExpectedApiVersion) {
    throw KvmUnavailable(device + " reports KVM API version " + std::to_string(version) +
                         ", zvmm needs " + std::to_string(kExpectedApiVersion), EINVAL);
  }
  return Kvm(std::move(fd));
}

int Kvm::check_extension(long capability) const {
  const int r = ::ioctl(fd_.get(), KVM_CHECK_EXTENSION, capability);
  return r < 0 ? 0 : r;
}

size_t Kvm::vcpu_mmap_size() const {
  return static_cast<size_t>(kvm_ioctl(fd_.get(), KVM_GET_VCPU_MMAP_SIZE, 0ul,
                                       "KVM_GET_VCPU_MMAP_SIZE"));
}

std::vector<kvm_cpuid_entry2> Kvm::supported_cpuid() const {
  // Grow the buffer until KVM stops answering E2BIG.
  for (uint32_t capacity = 128;; capacity *= 2) {
    kvm_uapi::FlexBuffer<kvm_uapi::Cpuid2Header, kvm_cpuid_entry2> cpuid(capacity);
    cpuid.header()->nent = capacity;
    if (::ioctl(fd_.get(), kvm_uapi::kGetSupportedCpuid, cpuid.data()) == 0) {
      return {cpuid.entries(), cpuid.entries() + cpuid.header()->nent};
    }
    if (errno != E2BIG || capacity >= 4096) throw KvmError("KVM_GET_SUPPORTED_CPUID", errno);
  }
}

Vm Kvm::create_vm() const {
  UniqueFd vm_fd(kvm_ioctl(fd_.get(), KVM_CREATE_VM, 0ul, "KVM_CREATE_VM"));
  return Vm(std::move(vm_fd), vcpu_mmap_size());
}

}  // namespace zvmm

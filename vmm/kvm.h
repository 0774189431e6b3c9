// The KVM system fd (/dev/kvm): capability queries, supported CPUID, VM creation.
#pragma once

#include <linux/kvm.h>

#include <cstddef>
#include <string>
#include <vector>

#include "vmm/kvm_error.h"
#include "base/unique_fd.h"
#include "vmm/vm.h"

namespace zvmm {

// Opening /dev/kvm failed (absent, no permission, wrong API version). The errno
// tells the caller which; the message says what to do about it.
class KvmUnavailable : public std::runtime_error {
 public:
  KvmUnavailable(const std::string& message, int err) : std::runtime_error(message), errno_(err) {}
  int error_number() const { return errno_; }

 private:
  int errno_;
};

class Kvm {
 public:
  static constexpr const char* kDefaultDevice = "/dev/kvm";
  static constexpr int kExpectedApiVersion = KVM_API_VERSION;  // 12

  // Opens the KVM device and checks its API version. Throws KvmUnavailable.
  static Kvm open(const std::string& device = kDefaultDevice);

  int fd() const { return fd_.get(); }

  // KVM_CHECK_EXTENSION: 0 when unsupported, otherwise a capability-specific value.
  int check_extension(long capability) const;
  // Size of the shared kvm_run area each vCPU fd maps.
  size_t vcpu_mmap_size() const;
  // KVM_GET_SUPPORTED_CPUID: every leaf/subleaf KVM can present to a guest.
  std::vector<kvm_cpuid_entry2> supported_cpuid() const;
  // KVM_CREATE_VM (default machine type).
  Vm create_vm() const;

 private:
  explicit Kvm(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace zvmm

// Facts about the host KVM that decide whether a Linux guest can run.
#pragma once

#include <stdexcept>
#include <string>

namespace zvmm {

// True when /dev/kvm is provided by the PVM module (/sys/module/kvm_pvm):
// the KVM API works but guest supervisor code is instruction-emulated, so an
// unmodified Linux guest cannot boot (docs/usage.md).
bool kvm_is_pvm(const std::string& sysfs_module_dir = "/sys/module");

// ZVMM_ALLOW_PVM=1 lets zvmm try anyway (for experiments with tiny guests).
bool pvm_override_requested();

// The KVM device path: $ZVMM_KVM_DEVICE if set (tests point it at a missing
// file), otherwise /dev/kvm.
std::string kvm_device_path();

}  // namespace zvmm

namespace zvmm {

// /dev/kvm is PVM-backed and no override was given.
class PvmHostError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace zvmm

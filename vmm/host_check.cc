#include "vmm/host_check.h"

#include <sys/stat.h>

#include <cstdlib>
#include <string_view>

#include "vmm/kvm.h"

namespace zvmm {

bool kvm_is_pvm(const std::string& sysfs_module_dir) {
  struct stat st {};
  return ::stat((sysfs_module_dir + "/kvm_pvm").c_str(), &st) == 0;
}

bool pvm_override_requested() {
  const char* v = std::getenv("ZVMM_ALLOW_PVM");
  return v != nullptr && std::string_view(v) == "1";
}

std::string kvm_device_path() {
  const char* v = std::getenv("ZVMM_KVM_DEVICE");
  return (v != nullptr && *v != '\0') ? v : Kvm::kDefaultDevice;
}

}  // namespace zvmm

// Errors from the KVM API, carrying the ioctl that failed and errno.
#pragma once

#include <stdexcept>
#include <string>

namespace zvmm {

class KvmError : public std::runtime_error {
 public:
  // `what` names the operation ("KVM_CREATE_VM"); the message appends strerror(err).
  KvmError(const std::string& what, int err);

  int error_number() const { return errno_; }

 private:
  int errno_;
};

// Calls ioctl(fd, request, arg), retrying on EINTR; throws KvmError naming `what`
// on failure. Returns the (non-negative) ioctl result.
int kvm_ioctl(int fd, unsigned long request, unsigned long arg, const char* what);

template <typename T>
int kvm_ioctl(int fd, unsigned long request, T* arg, const char* what) {
  return kvm_ioctl(fd, request, reinterpret_cast<unsigned long>(arg), what);
}

}  // namespace zvmm

#include "vmm/kvm_error.h"

#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

namespace zvmm {

KvmError::KvmError(const std::string& what, int err)
    : std::runtime_error(what + ": " + std::strerror(err)), errno_(err) {}

int kvm_ioctl(int fd, unsigned long request, unsigned long arg, const char* what) {
  for (;;) {
    const int r = ::ioctl(fd, request, arg);
    if (r >= 0) return r;
    if (errno != EINTR) throw KvmError(what, errno);
  }
}

}  // namespace zvmm

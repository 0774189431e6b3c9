#include "vmm/kvm_error.h"

#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

#include "base/eintr.h"

namespace zvmm {

KvmError::KvmError(const std::string& what, int err)
    : std::runtime_error(what + ": " + std::strerror(err)), errno_(err) {}

int kvm_ioctl(int fd, unsigned long request, unsigned long arg, const char* what) {
  const int r = retry_on_eintr([&] { return ::ioctl(fd, request, arg); });
  if (r < 0) throw KvmError(what, errno);
  return r;
}

}  // namespace zvmm

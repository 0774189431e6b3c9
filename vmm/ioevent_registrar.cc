#include "vmm/ioevent_registrar.h"

#include <sys/ioctl.h>

#include <cerrno>

#include "base/eintr.h"

namespace zvmm {

std::optional<kvm_ioeventfd> make_kvm_ioeventfd(const IoEventAddress& address, int event_fd,
                                                bool deassign) {
  const uint32_t len = address.len;
  if (len != 0 && len != 1 && len != 2 && len != 4 && len != 8) return std::nullopt;
  const bool pio = address.space == IoEventSpace::kPio;
  if (len == 0 && (pio || address.datamatch)) return std::nullopt;
  if (pio && address.addr + (len ? len : 1) > 0x10000) return std::nullopt;
  if (address.datamatch && len < 8 && (*address.datamatch >> (8 * len)) != 0) return std::nullopt;
  kvm_ioeventfd req{};
  req.addr = address.addr;
  req.len = len;
  req.fd = event_fd;
  req.datamatch = address.datamatch.value_or(0);
  if (address.datamatch) req.flags |= KVM_IOEVENTFD_FLAG_DATAMATCH;
  if (pio) req.flags |= KVM_IOEVENTFD_FLAG_PIO;
  if (deassign) req.flags |= KVM_IOEVENTFD_FLAG_DEASSIGN;
  return req;
}

std::error_code KvmIoEventRegistrar::register_ioevent(const IoEventAddress& address,
                                                      const EventFd& event) {
  return ioeventfd(address, event, false);
}

std::error_code KvmIoEventRegistrar::unregister_ioevent(const IoEventAddress& address,
                                                        const EventFd& event) {
  return ioeventfd(address, event, true);
}

std::error_code KvmIoEventRegistrar::ioeventfd(const IoEventAddress& address, const EventFd& event,
                                               bool deassign) {
  auto req = make_kvm_ioeventfd(address, event.fd(), deassign);
  if (!req) return std::make_error_code(std::errc::invalid_argument);
  if (retry_on_eintr([&] { return ::ioctl(vm_fd_, KVM_IOEVENTFD, &*req); }) < 0) {
    return {errno, std::generic_category()};
  }
  return {};
}

}  // namespace zvmm

// KVM_IOEVENTFD behind the devices' IoEventRegistrar interface
// (devices/ioevent.h). The VMM hands one KvmIoEventRegistrar to the PciRoot,
// whose BAR mapper registers every PCI function's doorbells while their BAR
// is mapped (docs/pci.md).
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <optional>
#include <system_error>

#include "base/event_fd.h"
#include "devices/ioevent.h"

namespace zvmm {

// The request for KVM_IOEVENTFD; nullopt if `address` is malformed.
std::optional<kvm_ioeventfd> make_kvm_ioeventfd(const IoEventAddress& address, int event_fd,
                                                bool deassign);

class KvmIoEventRegistrar final : public IoEventRegistrar {
 public:
  // `vm_fd` (Vm::fd()) must outlive this object.
  explicit KvmIoEventRegistrar(int vm_fd) : vm_fd_(vm_fd) {}

  std::error_code register_ioevent(const IoEventAddress& address, const EventFd& event) override;
  std::error_code unregister_ioevent(const IoEventAddress& address, const EventFd& event) override;

 private:
  std::error_code ioeventfd(const IoEventAddress& address, const EventFd& event, bool deassign);

  const int vm_fd_;
};

}  // namespace zvmm

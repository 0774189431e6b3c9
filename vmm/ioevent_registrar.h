// ioeventfd registration for transports: a guest write to a doorbell address
// signals an EventFd inside KVM, without an exit to the VMM. Transports take
// an IoEventRegistrar& (tests pass a fake) and (re)register in
// PciDevice::bar_mapped()/bar_unmapped() when the guest moves a BAR.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <optional>
#include <system_error>

#include "base/event_fd.h"

namespace zvmm {

enum class IoEventSpace { kMmio, kPio };

struct IoEventAddress {
  IoEventSpace space = IoEventSpace::kMmio;
  uint64_t addr = 0;
  // Access width to match: 1, 2, 4 or 8; 0 matches any width (MMIO without
  // datamatch only: KVM's fast path, what virtio notify uses).
  uint32_t len = 0;
  // Signal only when the written value equals this.
  std::optional<uint64_t> datamatch;
  friend bool operator==(const IoEventAddress&, const IoEventAddress&) = default;
};

class IoEventRegistrar {
 public:
  virtual ~IoEventRegistrar() = default;
  // Errors are values (a guest can place a BAR where KVM refuses an
  // ioeventfd): invalid_argument for a malformed address, else the errno.
  virtual std::error_code register_ioevent(const IoEventAddress& address, const EventFd& event) = 0;
  virtual std::error_code unregister_ioevent(const IoEventAddress& address,
                                             const EventFd& event) = 0;
};

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

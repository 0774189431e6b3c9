// The interface between devices and ioeventfds (the counterpart of
// interrupt.h): a guest write to a doorbell address signals an EventFd inside
// KVM, without an exit to the VMM. The KVM implementation lives in
// vmm/ioevent_registrar.h; tests use a fake. Devices never call this
// directly: a PCI function lists its doorbells (PciDevice::doorbells()) and
// PciBarMapper registers them while their BAR is mapped.
#pragma once

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

}  // namespace zvmm

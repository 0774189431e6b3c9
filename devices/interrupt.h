// The interface between devices and interrupt delivery (modelled on Cloud
// Hypervisor's vm-device/src/interrupt/mod.rs). Devices and the MSI-X table see
// only this; the KVM implementation (GSIs, irqfds, routing) lives in
// vmm/kvm_irq_routing.h, and tests use a fake.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <system_error>

namespace zvmm {

// One MSI/MSI-X message as programmed by the guest (x86: address 0xfeexxxxx).
struct MsiMessage {
  uint64_t address = 0;
  uint32_t data = 0;
  friend bool operator==(const MsiMessage&, const MsiMessage&) = default;
};

// A set of interrupt sources owned by one device: the vectors of one MSI-X
// table, or one legacy IRQ line. Indices run from 0 to size() - 1.
//
// Guest-driven paths call these, so failures are values, never exceptions:
// an out-of-range index is std::errc::invalid_argument; an ioctl failure
// carries its errno.
class InterruptSourceGroup {
 public:
  virtual ~InterruptSourceGroup() = default;

  virtual uint32_t size() const = 0;

  // Delivers source `index` now (MSI: sends its message; legacy: pulses the line).
  virtual std::error_code trigger(uint32_t index) = 0;

  // MSI only: (re)programs source `index`. While `masked` the source delivers
  // nothing, even through notifier_fd(); the caller (the MSI-X table) keeps
  // the pending state. Legacy groups return std::errc::operation_not_supported.
  virtual std::error_code update(uint32_t index, const MsiMessage& message, bool masked) = 0;

  // An eventfd that delivers source `index` when signalled (an irqfd), for I/O
  // threads that want to bypass trigger(). nullopt if the implementation has none.
  virtual std::optional<int> notifier_fd(uint32_t index) const = 0;
};

// Allocates interrupt source groups. Setup-time only: failures throw.
class InterruptManager {
 public:
  virtual ~InterruptManager() = default;

  // `count` MSI vectors, each initially masked.
  virtual std::unique_ptr<InterruptSourceGroup> create_msi_group(uint32_t count) = 0;

  // One edge-triggered legacy line (PIC/IOAPIC input `irq`, 0..23): trigger()
  // pulses it.
  virtual std::unique_ptr<InterruptSourceGroup> create_legacy_group(uint32_t irq) = 0;
};

}  // namespace zvmm

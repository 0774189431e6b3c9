// KVM side of interrupt delivery: the VM's GSI space and routing table
// (KvmIrqRouting) and the InterruptManager devices get (KvmInterruptManager),
// whose MSI groups give every vector a GSI, an MSI route and an irqfd.
//
// KVM_SET_GSI_ROUTING replaces the whole table, so the table always carries
// the default PIC/IOAPIC routes of GSIs 0-23 when the irqchip is in-kernel
// (the ones KVM_CREATE_IRQCHIP installs); MSI GSIs start at 24.
//
// Everything works on a raw VM fd (Vm::fd()), which must outlive these objects.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <system_error>
#include <vector>

#include "devices/interrupt.h"

namespace zvmm {

// GSIs 0-23 are the in-kernel IOAPIC pins (0-15 also the PICs).
inline constexpr uint32_t kLegacyGsiCount = 24;
inline constexpr uint32_t kFirstMsiGsi = kLegacyGsiCount;
// KVM_MAX_IRQ_ROUTES on x86.
inline constexpr uint32_t kMaxGsiRoutes = 4096;

// The routes KVM_CREATE_IRQCHIP installs (arch/x86/kvm/irq_comm.c
// default_routing): GSI n -> IOAPIC pin n for 0-23, plus PIC master/slave pin
// n % 8 for 0-15.
std::vector<kvm_irq_routing_entry> default_irqchip_routes();
kvm_irq_routing_entry msi_route(uint32_t gsi, const MsiMessage& message);
// The complete table to send: defaults (when the irqchip is in-kernel), then
// the MSI routes in GSI order.
std::vector<kvm_irq_routing_entry> build_gsi_routing(bool irqchip_in_kernel,
                                                     const std::map<uint32_t, MsiMessage>& msi);

class KvmIrqRouting {
 public:
  KvmIrqRouting(int vm_fd, bool irqchip_in_kernel);

  // Setup: a free MSI GSI. Throws std::system_error (ENOSPC) when none is left.
  uint32_t allocate_gsi();
  // Frees `gsi` and drops its route (committing if it had one).
  void release_gsi(uint32_t gsi);

  // Guest-driven: sets the MSI route of an allocated GSI; sends the table
  // (KVM_SET_GSI_ROUTING) only if the route changed.
  std::error_code set_msi_route(uint32_t gsi, const MsiMessage& message);
  std::error_code remove_msi_route(uint32_t gsi);

  // The table as last sent (or to be sent).
  std::vector<kvm_irq_routing_entry> table() const;

 private:
  std::error_code commit();  // mutex_ held

  const int vm_fd_;
  const bool irqchip_in_kernel_;
  mutable std::mutex mutex_;
  std::map<uint32_t, MsiMessage> routes_;
  std::set<uint32_t> allocated_;
  uint32_t next_gsi_ = kFirstMsiGsi;
  std::set<uint32_t> free_;  // released GSIs below next_gsi_
};

class KvmInterruptManager final : public InterruptManager {
 public:
  // With `irqchip_in_kernel`, KVM_CREATE_IRQCHIP must have been done already.
  explicit KvmInterruptManager(int vm_fd, bool irqchip_in_kernel = true);

  // `count` vectors: a GSI and an irqfd EventFd each; routes and irqfds are
  // installed by update(index, message, masked=false). Throws std::system_error.
  std::unique_ptr<InterruptSourceGroup> create_msi_group(uint32_t count) override;
  // An irqfd on GSI `irq` (edge: each trigger asserts and deasserts).
  std::unique_ptr<InterruptSourceGroup> create_legacy_group(uint32_t irq) override;

  KvmIrqRouting& routing() { return *routing_; }

 private:
  const int vm_fd_;
  const bool irqchip_in_kernel_;
  std::shared_ptr<KvmIrqRouting> routing_;
};

// KVM_IRQFD assign/deassign of `event_fd` on `gsi`. Returns the errno as a value.
std::error_code kvm_irqfd(int vm_fd, int event_fd, uint32_t gsi, bool assign);

}  // namespace zvmm

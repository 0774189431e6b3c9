// A KVM virtual machine fd: guest memory slots, in-kernel irqchip and PIT,
// interrupt lines, vCPU creation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "vmm/guest_memory.h"
#include "base/unique_fd.h"
#include "vmm/vcpu.h"

namespace zvmm {

class Vm {
 public:
  // Made by Kvm::create_vm(); `vcpu_mmap_size` is KVM_GET_VCPU_MMAP_SIZE.
  Vm(UniqueFd fd, size_t vcpu_mmap_size) : fd_(std::move(fd)), vcpu_mmap_size_(vcpu_mmap_size) {}

  int fd() const { return fd_.get(); }

  // KVM_SET_USER_MEMORY_REGION for one slot.
  void set_user_memory_region(uint32_t slot, uint64_t gpa, std::span<uint8_t> host);
  // One slot per GuestMemory region, slots 0..n-1.
  void register_guest_memory(const GuestMemory& memory);

  // Intel VMX needs three pages for a real-mode TSS and one for an identity map
  // page table, both in guest-physical space that is not RAM (layout.h).
  void set_tss_address(uint64_t gpa);
  void set_identity_map_address(uint64_t gpa);

  // In-kernel PIC + IOAPIC + LAPICs (must precede create_vcpu) and i8254 PIT.
  void create_irqchip();
  void create_pit();

  // KVM_IRQ_LINE: drives GSI `irq` of the in-kernel irqchip to `level`.
  void set_irq_line(uint32_t irq, bool level) const;

  Vcpu create_vcpu(uint32_t id) const;

 private:
  UniqueFd fd_;
  size_t vcpu_mmap_size_;
};

}  // namespace zvmm

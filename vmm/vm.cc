#include "vmm/vm.h"

#include <linux/kvm.h>

#include "vmm/kvm_error.h"

namespace zvmm {

void Vm::set_user_memory_region(uint32_t slot, uint64_t gpa, std::span<uint8_t> host) {
  kvm_userspace_memory_region region{};
  region.slot = slot;
  region.guest_phys_addr = gpa;
  region.memory_size = host.size();
  region.userspace_addr = reinterpret_cast<uint64_t>(host.data());
  kvm_ioctl(fd_.get(), KVM_SET_USER_MEMORY_REGION, &region, "KVM_SET_USER_MEMORY_REGION");
}

void Vm::register_guest_memory(const GuestMemory& memory) {
  uint32_t slot = 0;
  for (const GuestRegion& r : memory.regions()) {
    set_user_memory_region(slot++, r.gpa, r.mapping.bytes());
  }
}

void Vm::set_tss_address(uint64_t gpa) {
  kvm_ioctl(fd_.get(), KVM_SET_TSS_ADDR, static_cast<unsigned long>(gpa), "KVM_SET_TSS_ADDR");
}

void Vm::set_identity_map_address(uint64_t gpa) {
  kvm_ioctl(fd_.get(), KVM_SET_IDENTITY_MAP_ADDR, &gpa, "KVM_SET_IDENTITY_MAP_ADDR");
}

void Vm::create_irqchip() { kvm_ioctl(fd_.get(), KVM_CREATE_IRQCHIP, 0ul, "KVM_CREATE_IRQCHIP"); }

void Vm::create_pit() {
  kvm_pit_config config{};
  // Port 0x61 (PC speaker / PIT gate) is emulated as a dummy inside KVM.
  config.flags = KVM_PIT_SPEAKER_DUMMY;
  kvm_ioctl(fd_.get(), KVM_CREATE_PIT2, &config, "KVM_CREATE_PIT2");
}

void Vm::set_irq_line(uint32_t irq, bool level) const {
  kvm_irq_level line{};
  line.irq = irq;
  line.level = level ? 1 : 0;
  kvm_ioctl(fd_.get(), KVM_IRQ_LINE, &line, "KVM_IRQ_LINE");
}

Vcpu Vm::create_vcpu(uint32_t id) const {
  UniqueFd vcpu_fd(kvm_ioctl(fd_.get(), KVM_CREATE_VCPU, static_cast<unsigned long>(id),
                             "KVM_CREATE_VCPU"));
  return Vcpu(id, std::move(vcpu_fd), vcpu_mmap_size_);
}

}  // namespace zvmm

#include "vmm/lapic.h"

#include <span>

#include "base/le.h"

namespace zvmm {

namespace {
std::span<uint8_t> bytes(kvm_lapic_state& s) {
  return {reinterpret_cast<uint8_t*>(s.regs), sizeof s.regs};
}
std::span<const uint8_t> bytes(const kvm_lapic_state& s) {
  return {reinterpret_cast<const uint8_t*>(s.regs), sizeof s.regs};
}
uint32_t with_delivery_mode(uint32_t lvt, uint32_t mode) { return (lvt & ~0x700u) | (mode << 8); }
}  // namespace

uint32_t lapic_register(const kvm_lapic_state& state, uint32_t offset) {
  return load_le<uint32_t>(bytes(state), offset);
}

void set_lapic_register(kvm_lapic_state& state, uint32_t offset, uint32_t value) {
  store_le<uint32_t>(bytes(state), offset, value);
}

void configure_lapic_lint(kvm_lapic_state& state) {
  set_lapic_register(state, kApicLvtLint0,
                     with_delivery_mode(lapic_register(state, kApicLvtLint0), kApicDeliveryModeExtInt) |
                         kApicLvtMasked);
  set_lapic_register(state, kApicLvtLint1,
                     with_delivery_mode(lapic_register(state, kApicLvtLint1), kApicDeliveryModeNmi));
}

}  // namespace zvmm

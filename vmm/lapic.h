// Local APIC set-up for the in-kernel irqchip: LINT0 is the PIC's ExtINT input
// and LINT1 is wired to NMI, as on a PC. LINT0 starts masked: zvmm describes
// hardware-reduced ACPI, so Linux treats the 8259 as absent and never programs
// it; an unmasked LINT0 would let KVM's unprogrammed PIC (vector base 0) turn
// ISA IRQ n into exception vector n.
#pragma once

#include <linux/kvm.h>

#include <cstdint>

namespace zvmm {

inline constexpr uint32_t kApicLvtLint0 = 0x350;
inline constexpr uint32_t kApicLvtLint1 = 0x360;
inline constexpr uint32_t kApicDeliveryModeNmi = 0b100;
inline constexpr uint32_t kApicDeliveryModeExtInt = 0b111;

// Reads/writes a 32-bit APIC register in a KVM_GET/SET_LAPIC image.
uint32_t lapic_register(const kvm_lapic_state& state, uint32_t offset);
void set_lapic_register(kvm_lapic_state& state, uint32_t offset, uint32_t value);

inline constexpr uint32_t kApicLvtMasked = 1u << 16;

// Sets LINT0 to masked ExtINT and LINT1 to NMI, keeping the other LVT bits.
void configure_lapic_lint(kvm_lapic_state& state);

}  // namespace zvmm

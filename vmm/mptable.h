// Intel MultiProcessor Specification 1.4 tables, the simplest way to tell a
// Linux guest without ACPI about its CPUs, the IOAPIC and the ISA interrupts:
// a floating pointer at layout::kMpTableStart (found by Linux's scan of the last
// KiB of base memory) followed by the configuration table. Also sets the BIOS
// data area words that locate the EBDA. The area is e820-reserved (e820.h).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "vmm/guest_memory.h"

namespace zvmm {

namespace mptable {
inline constexpr uint8_t kEntryProcessor = 0;
inline constexpr uint8_t kEntryBus = 1;
inline constexpr uint8_t kEntryIoApic = 2;
inline constexpr uint8_t kEntryIoInterrupt = 3;
inline constexpr uint8_t kEntryLocalInterrupt = 4;

inline constexpr uint8_t kInterruptInt = 0;
inline constexpr uint8_t kInterruptNmi = 1;
inline constexpr uint8_t kInterruptExtInt = 3;

inline constexpr uint8_t kPciBusId = 0;
inline constexpr uint8_t kIsaBusId = 1;
inline constexpr uint32_t kIsaIrqCount = 16;
inline constexpr uint8_t kApicVersion = 0x14;
inline constexpr uint8_t kIoApicVersion = 0x11;
inline constexpr uint32_t kMaxCpus = 254;
}  // namespace mptable

// The IOAPIC's APIC id: the first id after the vCPUs' (0..vcpu_count-1).
constexpr uint8_t ioapic_id(uint32_t vcpu_count) { return static_cast<uint8_t>(vcpu_count); }

// Floating pointer + configuration table for `vcpu_count` CPUs, as it would be
// written at `address`. Throws BootConfigError for more than kMaxCpus CPUs.
std::vector<uint8_t> build_mptable(uint32_t vcpu_count, uint64_t address);

// Writes build_mptable(vcpu_count, layout::kMpTableStart) and the BIOS data
// area EBDA pointer and base-memory size.
void write_mptable(const GuestMemory& memory, uint32_t vcpu_count);

// Sum of all bytes mod 256 (a valid MP structure sums to 0).
uint8_t mp_checksum(std::span<const uint8_t> bytes);

}  // namespace zvmm

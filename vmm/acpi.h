// ACPI tables: how Linux learns about the CPUs (MADT), the interrupt
// controllers and the PCI ECAM window (MCFG). The Debian cloud kernel has no
// MP table parser (CONFIG_X86_MPPARSE unset), so without ACPI it sees one CPU
// and no local APIC.
//
// Hardware-reduced ACPI (like Firecracker and Cloud Hypervisor): no PM timer,
// no SCI, no ACPI fixed hardware, and for Linux no legacy PIC. The FADT's
// sleep control/status registers are layout::kAcpiSleepPort (power off). The DSDT
// describes COM1 and the PCI host bridge (PCI0, with its bus, I/O and memory
// windows); Linux finds the PCI root there and config space through MCFG.
// Note: acpi=off, acpi=noirq and pci=noacpi all make this kernel (without MP
// table support) disable the local APIC, hence SMP.
//
//   RSDP (layout::kAcpiRsdpStart) -> XSDT -> FACP (-> DSDT), APIC, MCFG
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "vmm/guest_memory.h"

namespace zvmm {

namespace acpi {
inline constexpr size_t kHeaderSize = 36;
inline constexpr size_t kRsdpSize = 36;
inline constexpr size_t kFadtSize = 276;
inline constexpr uint8_t kFadtRevision = 6;
inline constexpr uint8_t kFadtMinorRevision = 5;
inline constexpr uint32_t kFadtHwReducedAcpi = 1u << 20;
inline constexpr uint16_t kIapcBootArchVgaNotPresent = 1u << 2;
inline constexpr uint16_t kIapcBootArchCmosRtcNotPresent = 1u << 5;
inline constexpr uint8_t kMadtLocalApic = 0;
inline constexpr uint8_t kMadtIoApic = 1;
inline constexpr uint8_t kMadtLocalApicNmi = 4;
inline constexpr uint32_t kMaxCpus = 254;
}  // namespace acpi

// Each table, complete with header and checksum.
std::vector<uint8_t> build_rsdp(uint64_t xsdt_address);
std::vector<uint8_t> build_xsdt(std::span<const uint64_t> table_addresses);
std::vector<uint8_t> build_fadt(uint64_t dsdt_address);
// The PCI host bridge's memory windows (layout.h).
struct PciHostWindows {
  uint64_t mmio32_start = 0;
  uint64_t mmio32_size = 0;
  uint64_t mmio64_start = 0;
  uint64_t mmio64_size = 0;

  static PciHostWindows for_guest(uint64_t ram_bytes);
};

// The PCI buses the guest is told about: zvmm has one root bus and no bridges,
// so only bus 0. Advertising more is not free: Linux sets pcibios_last_bus from
// the MCFG end bus and then probes every slot of every bus up to it
// (pcibios_fixup_peer_bridges), 255 x 32 config reads that took 0.74 s of a
// nested guest's boot when the MCFG said 0-255.
inline constexpr uint8_t kPciLastBus = 0;

// \_SB.COM1 (PNP0501, I/O 0x3f8-0x3ff, IRQ 4), \_SB.PCI0 (PNP0A08,
// segment 0, buses 0-kPciLastBus, I/O 0-0xcf7 and 0xd00-0xffff, the memory windows)
// and \_S5 (power off through the sleep control register).
std::vector<uint8_t> build_dsdt(const PciHostWindows& pci);
// One enabled LAPIC per vCPU (APIC id = vCPU index), the IOAPIC (id =
// vcpu_count, GSI base 0), LINT1 = NMI on every CPU.
std::vector<uint8_t> build_madt(uint32_t vcpu_count);
// One ECAM window: segment 0, buses 0-kPciLastBus at layout::kPciEcamStart
// (the window itself, layout::kPciEcamSize, has room for 256 buses).
std::vector<uint8_t> build_mcfg();

// Writes the RSDP at layout::kAcpiRsdpStart and the tables after it, each
// 16-byte aligned. Throws BootConfigError for an impossible vCPU count and
// GuestMemoryError if the tables overflow the BIOS area.
void write_acpi_tables(const GuestMemory& memory, uint32_t vcpu_count);

}  // namespace zvmm

// The guest physical memory map, in one place.
//
//   0x0000_0000  +---------------------------+
//                | real-mode IVT             |  (untouched)
//   0x0000_0400  | BIOS data area (EBDA ptr) |
//   0x0000_0500  | GDT                       |
//   0x0000_0520  | IDT (empty)               |
//   0x0000_7000  | boot_params (zero page)   |
//   0x0000_8ff0  |   <- initial RSP          |
//   0x0000_9000  | PML4, PDPT, 4 x PD        |  identity map of the first 4 GiB
//   0x0002_0000  | kernel command line       |
//   0x0009_fc00  +---------------------------+  e820: reserved
//                | MP table (EBDA)           |
//   0x000e_0000  | ACPI: RSDP, then tables   |
//                | (legacy BIOS area)        |
//   0x0010_0000  +---------------------------+  e820: RAM
//                | protected-mode kernel     |
//                | ...                       |
//                | initrd(s), page aligned,  |  placed at the top of low RAM
//                |   below initrd_addr_max   |
//   0xc000_0000  +---------------------------+  32-bit MMIO hole (not RAM)
//                | PCI 32-bit BAR window     |
//   0xe000_0000  | PCI ECAM (256 buses)      |  e820: reserved
//   0xf000_0000  | status page (exit, boot)  |  see kStatusMmioStart
//   0xfec0_0000  | IOAPIC                    |
//   0xfee0_0000  | LAPIC                     |
//   0xfffb_c000  | KVM identity map + TSS    |  (VMX only)
//   0x1_0000_0000+---------------------------+
//                | RAM above 4 GiB           |  only when memory > 3 GiB
//                +---------------------------+
//                | PCI 64-bit BAR window     |  1 GiB aligned, above RAM
//
// I/O ports: 0x3f8 COM1 (IRQ 4), 0x60/0x64 i8042 (reset only), 0xcf8/0xcfc PCI
// config, 0xf4 exit status (isa-debug-exit compatible), 0xf5 boot-time marker,
// 0x600 ACPI sleep control (power off).
#pragma once

#include <cstdint>

namespace zvmm::layout {

inline constexpr uint64_t KiB = 1024;
inline constexpr uint64_t MiB = 1024 * KiB;
inline constexpr uint64_t GiB = 1024 * MiB;

// --- Boot structures in low memory -------------------------------------------------

// Global descriptor table: null, code64, data, TSS (the kernel reloads its own).
inline constexpr uint64_t kGdtStart = 0x500;
inline constexpr uint64_t kGdtMaxEntries = 4;
// Interrupt descriptor table: a zero-length IDT until the kernel installs one.
inline constexpr uint64_t kIdtStart = 0x520;
// struct boot_params ("zero page"); RSI points here at the 64-bit entry.
inline constexpr uint64_t kZeroPageStart = 0x7000;
// Initial stack pointer (grows down, below the page tables).
inline constexpr uint64_t kBootStackPointer = 0x8ff0;
// Identity-mapping page tables: one PML4, one PDPT and four page directories of
// 2 MiB pages cover [0, 4 GiB).
inline constexpr uint64_t kPml4Start = 0x9000;
inline constexpr uint64_t kPdptStart = 0xa000;
inline constexpr uint64_t kPdStart = 0xb000;
inline constexpr uint64_t kPdCount = 4;
inline constexpr uint64_t kIdentityMappedBytes = kPdCount * GiB;
// BIOS data area words Linux reads: the EBDA segment (0x40e) and the base
// memory size in KiB (0x413), used to find and reserve the EBDA.
inline constexpr uint64_t kBdaEbdaSegment = 0x40e;
inline constexpr uint64_t kBdaBaseMemoryKiB = 0x413;
// BIOS warm-reset flag: Linux writes 0x1234 here before a warm reboot and 0
// before a cold one. zvmm boots with `reboot=k,panic_warm`, so after an i8042
// reset the flag tells a kernel panic from an ordinary reboot.
inline constexpr uint64_t kBiosResetFlag = 0x472;
inline constexpr uint16_t kBiosWarmResetValue = 0x1234;
// Kernel command line, NUL terminated.
inline constexpr uint64_t kCmdlineStart = 0x20000;
inline constexpr uint64_t kCmdlineMaxSize = 0x10000;

// --- Reserved legacy area -------------------------------------------------------------

// Start of the extended BIOS data area (the MP table lives here).
inline constexpr uint64_t kEbdaStart = 0x9fc00;
// Intel MP table (floating pointer, then the configuration table), found by
// Linux's scan of the last KiB of base memory (639 KiB = kEbdaStart).
inline constexpr uint64_t kMpTableStart = kEbdaStart;
// ACPI: the RSDP where Linux scans for it ([0xe0000, 0x100000), 16-byte
// aligned), the other tables (XSDT, FADT, DSDT, MADT, MCFG) right after it.
inline constexpr uint64_t kAcpiRsdpStart = 0xe0000;
inline constexpr uint64_t kAcpiTablesStart = kAcpiRsdpStart + 0x40;
// [kEbdaStart, kHighMemoryStart) is reported as reserved in the e820 map.
inline constexpr uint64_t kBiosAreaEnd = 0x100000;

// --- RAM ----------------------------------------------------------------------------

// The protected-mode kernel is loaded here (boot protocol default).
inline constexpr uint64_t kHighMemoryStart = 0x100000;
// Smallest guest the VMM accepts: room for the boot structures and a kernel.
inline constexpr uint64_t kMinimumMemory = 16 * MiB;

// --- 32-bit MMIO hole [kMmio32Start, 4 GiB) -------------------------------------------

inline constexpr uint64_t kMmio32Start = 0xc000'0000;
// PCI memory BARs below 4 GiB.
inline constexpr uint64_t kPciMmio32Start = kMmio32Start;
inline constexpr uint64_t kPciMmio32Size = 512 * MiB;
// PCI Express enhanced configuration (ECAM): 1 MiB per bus, buses 0..255.
inline constexpr uint64_t kPciEcamStart = 0xe000'0000;
inline constexpr uint64_t kPciEcamSize = 256 * MiB;
inline constexpr uint64_t kIoApicStart = 0xfec0'0000;
inline constexpr uint64_t kLapicStart = 0xfee0'0000;
// Intel VMX needs a 3-page real-mode TSS and a 1-page identity-map page table
// in guest-physical space that is neither RAM nor a device (KVM_SET_TSS_ADDR,
// KVM_SET_IDENTITY_MAP_ADDR); ignored on AMD.
inline constexpr uint64_t kKvmIdentityMapStart = 0xfffb'c000;
inline constexpr uint64_t kKvmTssStart = 0xfffb'd000;
inline constexpr uint64_t kMmio32End = 4 * GiB;

// --- Above 4 GiB ------------------------------------------------------------------------

inline constexpr uint64_t kHighRamStart = 4 * GiB;
// PCI 64-bit BAR window: starts at the first 1 GiB boundary above RAM.
inline constexpr uint64_t kPciMmio64Alignment = 1 * GiB;
inline constexpr uint64_t kPciMmio64Size = 64 * GiB;

// --- I/O ports --------------------------------------------------------------------------

inline constexpr uint16_t kCom1Port = 0x3f8;
inline constexpr uint32_t kCom1Irq = 4;
inline constexpr uint16_t kI8042DataPort = 0x60;
inline constexpr uint16_t kI8042CommandPort = 0x64;
inline constexpr uint16_t kPciConfigAddressPort = 0xcf8;
inline constexpr uint16_t kPciConfigDataPort = 0xcfc;
// The guest writes its exit status (one byte) here; same port as QEMU's
// isa-debug-exit so one guest tool serves both VMMs.
inline constexpr uint16_t kExitStatusPort = 0xf4;
// ACPI sleep control/status register (hardware-reduced ACPI, FADT): writing
// SLP_EN with SLP_TYP 5 (S5, power off) ends the VM.
inline constexpr uint16_t kAcpiSleepPort = 0x600;
// The guest's init writes kBootMarkerValue here when userspace is reached.
inline constexpr uint16_t kBootMarkerPort = 0xf5;
inline constexpr uint8_t kBootMarkerValue = 0x7a;
// The same two registers as bytes 0 (exit status) and 1 (boot marker) of an MMIO
// page, for guests whose user-mode OUT faults (nested guests under QEMU TCG; the
// Debian cloud kernel has no /dev/port). The guest tool writes it via /dev/mem.
inline constexpr uint64_t kStatusMmioStart = 0xf000'0000;
inline constexpr uint64_t kStatusMmioSize = 0x1000;

// Bytes of RAM placed below the 32-bit MMIO hole for a guest of `ram_bytes`.
constexpr uint64_t low_ram_bytes(uint64_t ram_bytes) {
  return ram_bytes < kMmio32Start ? ram_bytes : kMmio32Start;
}

// Bytes of RAM placed at kHighRamStart and above.
constexpr uint64_t high_ram_bytes(uint64_t ram_bytes) {
  return ram_bytes - low_ram_bytes(ram_bytes);
}

// First address of the PCI 64-bit BAR window for a guest of `ram_bytes`.
constexpr uint64_t pci_mmio64_start(uint64_t ram_bytes) {
  const uint64_t ram_end = kHighRamStart + high_ram_bytes(ram_bytes);
  return (ram_end + kPciMmio64Alignment - 1) / kPciMmio64Alignment * kPciMmio64Alignment;
}

}  // namespace zvmm::layout

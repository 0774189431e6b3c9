#include "vmm/acpi.h"

#include <string>
#include <string_view>

#include "vmm/aml.h"
#include "vmm/boot_errors.h"
#include "base/byte_writer.h"
#include "vmm/layout.h"

namespace zvmm {

namespace {

using namespace acpi;

constexpr std::string_view kOemId = "ZVMM  ";
constexpr std::string_view kOemTableId = "ZVMMVM  ";
constexpr std::string_view kCreatorId = "ZVMM";

// A system description table: the 36-byte header, then whatever the caller
// appends; finish() fills in the length and the checksum.
class Table {
 public:
  Table(std::string_view signature, uint8_t revision) {
    w_.text(signature, 4);
    w_.u32(0);  // length, set by finish()
    w_.u8(revision);
    w_.u8(0);   // checksum, set by finish()
    w_.text(kOemId, 6);
    w_.text(kOemTableId, 8);
    w_.u32(1);  // OEM revision
    w_.text(kCreatorId, 4);
    w_.u32(1);  // creator revision
  }
  ByteWriter& body() { return w_; }
  std::vector<uint8_t> finish() {
    store_le<uint32_t>(bytes_, 4, static_cast<uint32_t>(bytes_.size()));
    fix_checksum(bytes_, 9);
    return std::move(bytes_);
  }

 private:
  std::vector<uint8_t> bytes_;
  ByteWriter w_{bytes_};
};

uint64_t align16(uint64_t v) { return (v + 15) & ~uint64_t{15}; }

}  // namespace

std::vector<uint8_t> build_rsdp(uint64_t xsdt_address) {
  std::vector<uint8_t> out;
  ByteWriter w(out);
  w.text("RSD PTR ", 8);
  w.u8(0);  // checksum of the first 20 bytes
  w.text(kOemId, 6);
  w.u8(2);  // revision: ACPI 2.0+, XSDT
  w.u32(0);  // RSDT address: none
  w.u32(static_cast<uint32_t>(kRsdpSize));
  w.u64(xsdt_address);
  w.u8(0);  // extended checksum of all 36 bytes
  w.zeros(3);
  fix_checksum(std::span(out).first(20), 8);
  fix_checksum(out, 32);
  return out;
}

std::vector<uint8_t> build_xsdt(std::span<const uint64_t> table_addresses) {
  Table t("XSDT", 1);
  for (uint64_t a : table_addresses) t.body().u64(a);
  return t.finish();
}

std::vector<uint8_t> build_fadt(uint64_t dsdt_address) {
  Table t("FACP", kFadtRevision);
  ByteWriter& w = t.body();
  w.u32(0);                                    // 36 FIRMWARE_CTRL: no FACS
  w.u32(static_cast<uint32_t>(dsdt_address));  // 40 DSDT
  w.zeros(109 - 44);                           // 44..108: no fixed hardware (PM blocks, SCI, ...)
  w.u16(kIapcBootArchVgaNotPresent | kIapcBootArchCmosRtcNotPresent);  // 109 IAPC_BOOT_ARCH
  w.u8(0);                                     // 111 reserved
  w.u32(kFadtHwReducedAcpi);                   // 112 flags
  w.zeros(12);                                 // 116 RESET_REG: none
  w.u8(0);                                     // 128 RESET_VALUE
  w.u16(0);                                    // 129 ARM_BOOT_ARCH
  w.u8(kFadtMinorRevision);                    // 131 minor version
  w.u64(0);                                    // 132 X_FIRMWARE_CTRL
  w.u64(dsdt_address);                         // 140 X_DSDT
  w.zeros(244 - 148);                          // 148..243: no extended PM/GPE blocks
  // 244 SLEEP_CONTROL_REG and 256 SLEEP_STATUS_REG: one byte of system I/O.
  for (int reg = 0; reg < 2; ++reg) {
    w.u8(1);  // address space: system I/O
    w.u8(8);  // bit width
    w.u8(0);  // bit offset
    w.u8(1);  // access size: byte
    w.u64(layout::kAcpiSleepPort);
  }
  w.text("ZVMMKVM", 8, ' ');                   // 268 hypervisor vendor identity
  return t.finish();
}

PciHostWindows PciHostWindows::for_guest(uint64_t ram_bytes) {
  return {layout::kPciMmio32Start, layout::kPciMmio32Size, layout::pci_mmio64_start(ram_bytes),
          layout::kPciMmio64Size};
}

std::vector<uint8_t> build_dsdt(const PciHostWindows& pci) {
  using namespace aml;
  // COM1 must be an ACPI device: with hardware-reduced ACPI Linux has no
  // legacy PIC and no identity-mapped ISA IRQs, so the serial driver needs the
  // IRQ from _CRS (mapped through the IOAPIC) to get interrupts at all.
  const Bytes com1 = device("COM1", cat({
                                        name("_HID", eisa_id("PNP0501")),
                                        name("_UID", integer(0)),
                                        name("_CRS", resource_template(cat({
                                                         io_port(layout::kCom1Port, 8),
                                                         irq(static_cast<uint8_t>(layout::kCom1Irq)),
                                                     }))),
                                    }));
  const Bytes pci0 = device("PCI0", cat({
                                        name("_HID", eisa_id("PNP0A08")),
                                        name("_CID", eisa_id("PNP0A03")),
                                        name("_SEG", integer(0)),
                                        name("_BBN", integer(0)),
                                        name("_UID", integer(0)),
                                        name("_CRS", resource_template(cat({
                                                         word_bus_number(0, kPciLastBus),
                                                         io_port(layout::kPciConfigAddressPort, 8),
                                                         word_io(0x0000, 0x0cf7),
                                                         word_io(0x0d00, 0xffff),
                                                         dword_memory(static_cast<uint32_t>(pci.mmio32_start),
                                                                      static_cast<uint32_t>(pci.mmio32_start +
                                                                                            pci.mmio32_size - 1)),
                                                         qword_memory(pci.mmio64_start,
                                                                      pci.mmio64_start + pci.mmio64_size - 1),
                                                     }))),
                                    }));
  // \_S5: the SLP_TYP values for power off (written to the sleep control register).
  const Bytes s5 = name("_S5_", package({integer(5), integer(5), integer(0), integer(0)}));
  Table t("DSDT", 2);
  t.body().bytes(scope("\\_SB_", cat({com1, pci0})));
  t.body().bytes(s5);
  return t.finish();
}

std::vector<uint8_t> build_madt(uint32_t vcpu_count) {
  if (vcpu_count == 0 || vcpu_count > kMaxCpus) {
    throw BootConfigError("the MADT describes 1.." + std::to_string(kMaxCpus) + " CPUs, not " +
                          std::to_string(vcpu_count));
  }
  Table t("APIC", 5);
  ByteWriter& w = t.body();
  w.u32(static_cast<uint32_t>(layout::kLapicStart));
  w.u32(0);  // no PCAT_COMPAT: hardware-reduced ACPI, Linux ignores the 8259
  for (uint32_t cpu = 0; cpu < vcpu_count; ++cpu) {
    w.u8(kMadtLocalApic);
    w.u8(8);
    w.u8(static_cast<uint8_t>(cpu));  // ACPI processor UID
    w.u8(static_cast<uint8_t>(cpu));  // APIC id
    w.u32(1);                         // enabled
  }
  w.u8(kMadtIoApic);
  w.u8(12);
  w.u8(static_cast<uint8_t>(vcpu_count));  // IOAPIC id: after the LAPICs
  w.u8(0);
  w.u32(static_cast<uint32_t>(layout::kIoApicStart));
  w.u32(0);  // GSI base: pins 0-23 are GSIs 0-23 (ISA IRQ n = GSI n, no overrides)
  w.u8(kMadtLocalApicNmi);
  w.u8(6);
  w.u8(0xff);  // all processors
  w.u16(0);    // flags: conform to the bus
  w.u8(1);     // LINT1
  return t.finish();
}

std::vector<uint8_t> build_mcfg() {
  Table t("MCFG", 1);
  ByteWriter& w = t.body();
  w.zeros(8);
  w.u64(layout::kPciEcamStart);
  w.u16(0);  // segment
  w.u8(0);   // first bus
  static_assert(kPciLastBus < layout::kPciEcamSize / layout::MiB, "ECAM window too small");
  w.u8(kPciLastBus);  // last bus
  w.u32(0);
  return t.finish();
}

void write_acpi_tables(const GuestMemory& memory, uint32_t vcpu_count) {
  uint64_t next = layout::kAcpiTablesStart;
  auto place = [&](const std::vector<uint8_t>& table, const char* what) {
    const uint64_t at = next;
    if (at + table.size() > layout::kBiosAreaEnd) {
      throw GuestMemoryError(std::string("ACPI ") + what + " does not fit below 1 MiB");
    }
    auto dest = memory.checked_slice(at, table.size(), std::string("ACPI ") + what);
    std::copy(table.begin(), table.end(), dest.begin());
    next = align16(at + table.size());
    return at;
  };
  const uint64_t dsdt = place(build_dsdt(PciHostWindows::for_guest(memory.ram_bytes())), "DSDT");
  const uint64_t tables[] = {
      place(build_fadt(dsdt), "FADT"),
      place(build_madt(vcpu_count), "MADT"),
      place(build_mcfg(), "MCFG"),
  };
  const uint64_t xsdt = place(build_xsdt(tables), "XSDT");
  const auto rsdp = build_rsdp(xsdt);
  auto dest = memory.checked_slice(layout::kAcpiRsdpStart, rsdp.size(), "ACPI RSDP");
  std::copy(rsdp.begin(), rsdp.end(), dest.begin());
}

}  // namespace zvmm

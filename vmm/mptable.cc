#include "vmm/mptable.h"

#include <string>

#include "vmm/boot_errors.h"
#include "base/byte_writer.h"
#include "vmm/layout.h"
#include "base/le.h"

namespace zvmm {

namespace {

using namespace mptable;

constexpr size_t kFloatingPointerSize = 16;

}  // namespace

uint8_t mp_checksum(std::span<const uint8_t> bytes) { return byte_sum(bytes); }

std::vector<uint8_t> build_mptable(uint32_t vcpu_count, uint64_t address) {
  if (vcpu_count == 0 || vcpu_count > kMaxCpus) {
    throw BootConfigError("the MP table describes 1.." + std::to_string(kMaxCpus) + " CPUs, not " +
                          std::to_string(vcpu_count));
  }
  std::vector<uint8_t> out;
  ByteWriter w(out);
  const uint64_t table_address = address + kFloatingPointerSize;

  // Floating pointer structure.
  w.text("_MP_", 4);
  w.u32(static_cast<uint32_t>(table_address));
  w.u8(1);  // length in 16-byte units
  w.u8(4);  // spec revision 1.4
  w.u8(0);  // checksum, below
  w.u8(0);  // feature 1: 0 = a configuration table is present
  w.zeros(4);
  fix_checksum(std::span(out).first(kFloatingPointerSize), 10);

  // Configuration table header; length, entry count and checksum patched below.
  const size_t header = out.size();
  w.text("PCMP", 4);
  w.u16(0);      // base table length
  w.u8(4);       // spec revision
  w.u8(0);       // checksum
  w.text("ZVMM", 8);
  w.text("ZVMMCPU", 12);
  w.u32(0);      // OEM table pointer
  w.u16(0);      // OEM table size
  w.u16(0);      // entry count
  w.u32(static_cast<uint32_t>(layout::kLapicStart));
  w.u16(0);      // extended table length
  w.u8(0);       // extended table checksum
  w.u8(0);
  uint16_t entries = 0;

  for (uint32_t cpu = 0; cpu < vcpu_count; ++cpu, ++entries) {
    w.u8(kEntryProcessor);
    w.u8(static_cast<uint8_t>(cpu));  // LAPIC id
    w.u8(kApicVersion);
    w.u8(static_cast<uint8_t>(0x01 | (cpu == 0 ? 0x02 : 0)));  // enabled, bootstrap
    w.u32(0x600);  // CPU signature: family 6
    w.u32(0x201);  // feature flags: FPU, APIC
    w.zeros(8);
  }
  auto bus = [&](uint8_t id, const char* type) {
    w.u8(kEntryBus);
    w.u8(id);
    w.text(type, 6);
    ++entries;
  };
  // An I/O (IOAPIC) or local (LAPIC LINTn) interrupt assignment.
  auto interrupt = [&](uint8_t entry, uint8_t kind, uint8_t source_irq, uint8_t dest_id, uint8_t dest_pin) {
    w.u8(entry);
    w.u8(kind);
    w.u16(0);  // polarity and trigger: conform to the bus
    w.u8(kIsaBusId);
    w.u8(source_irq);
    w.u8(dest_id);
    w.u8(dest_pin);
    ++entries;
  };
  bus(kPciBusId, "PCI");
  bus(kIsaBusId, "ISA");
  const uint8_t ioapic = ioapic_id(vcpu_count);
  w.u8(kEntryIoApic);
  w.u8(ioapic);
  w.u8(kIoApicVersion);
  w.u8(0x01);  // enabled
  w.u32(static_cast<uint32_t>(layout::kIoApicStart));
  ++entries;
  // ISA IRQ n -> IOAPIC pin n, matching KVM's default GSI routing.
  for (uint8_t irq = 0; irq < kIsaIrqCount; ++irq) interrupt(kEntryIoInterrupt, kInterruptInt, irq, ioapic, irq);
  // LINT0: the PIC (ExtINT) on the BSP; LINT1: NMI on every CPU.
  interrupt(kEntryLocalInterrupt, kInterruptExtInt, 0, 0, 0);
  interrupt(kEntryLocalInterrupt, kInterruptNmi, 0, 0xff, 1);

  auto table = std::span(out).subspan(header);
  store_le<uint16_t>(table, 4, static_cast<uint16_t>(table.size()));
  store_le<uint16_t>(table, 34, entries);
  fix_checksum(table, 7);
  return out;
}

void write_mptable(const GuestMemory& memory, uint32_t vcpu_count) {
  const auto table = build_mptable(vcpu_count, layout::kMpTableStart);
  auto dest = memory.checked_slice(layout::kMpTableStart, table.size(), "MP table");
  std::copy(table.begin(), table.end(), dest.begin());
  auto ebda = memory.checked_slice(layout::kBdaEbdaSegment, 2, "BIOS data area");
  store_le<uint16_t>(ebda, 0, static_cast<uint16_t>(layout::kEbdaStart >> 4));
  auto base_kib = memory.checked_slice(layout::kBdaBaseMemoryKiB, 2, "BIOS data area");
  store_le<uint16_t>(base_kib, 0, static_cast<uint16_t>(layout::kEbdaStart / layout::KiB));
}

}  // namespace zvmm

#include "vmm/mptable.h"

#include <gtest/gtest.h>

#include "vmm/boot_errors.h"
#include "vmm/layout.h"
#include "base/le.h"

namespace zvmm {
namespace {

struct Parsed {
  std::map<uint8_t, int> entry_counts;
  std::vector<uint8_t> apic_ids;
  int bsp_count = 0;
  uint8_t ioapic_id = 0;
  uint32_t ioapic_address = 0;
  std::vector<std::pair<uint8_t, uint8_t>> isa_irq_to_pin;
  std::vector<uint8_t> local_types;
};

// Parses the table the way Linux's mpparse does (signature, checksum, entries).
Parsed parse(const std::vector<uint8_t>& t, uint64_t base) {
  Parsed p;
  std::span<const uint8_t> mpf(t.data(), 16);
  EXPECT_EQ(std::string(mpf.begin(), mpf.begin() + 4), "_MP_");
  EXPECT_EQ(mp_checksum(mpf), 0);
  EXPECT_EQ(mpf[8], 1);
  EXPECT_EQ(mpf[9], 4);
  const uint32_t table = load_le<uint32_t>(mpf, 4);
  EXPECT_EQ(table, base + 16);
  std::span<const uint8_t> cfg(t.data() + (table - base), t.size() - (table - base));
  EXPECT_EQ(std::string(cfg.begin(), cfg.begin() + 4), "PCMP");
  const uint16_t length = load_le<uint16_t>(cfg, 4);
  EXPECT_EQ(length, cfg.size());
  EXPECT_EQ(mp_checksum(cfg.first(length)), 0);
  EXPECT_EQ(load_le<uint32_t>(cfg, 36), layout::kLapicStart);
  const uint16_t count = load_le<uint16_t>(cfg, 34);
  size_t at = 44;
  for (uint16_t i = 0; i < count; ++i) {
    const uint8_t type = cfg[at];
    p.entry_counts[type]++;
    if (type == mptable::kEntryProcessor) {
      p.apic_ids.push_back(cfg[at + 1]);
      EXPECT_TRUE(cfg[at + 3] & 1) << "enabled";
      if (cfg[at + 3] & 2) p.bsp_count++;
      at += 20;
      continue;
    }
    if (type == mptable::kEntryIoApic) {
      p.ioapic_id = cfg[at + 1];
      p.ioapic_address = load_le<uint32_t>(cfg, at + 4);
    } else if (type == mptable::kEntryIoInterrupt) {
      EXPECT_EQ(cfg[at + 4], mptable::kIsaBusId);
      EXPECT_EQ(cfg[at + 6], p.ioapic_id);
      p.isa_irq_to_pin.emplace_back(cfg[at + 5], cfg[at + 7]);
    } else if (type == mptable::kEntryLocalInterrupt) {
      p.local_types.push_back(cfg[at + 1]);
    }
    at += 8;
  }
  EXPECT_EQ(at, length);
  return p;
}

TEST(MpTableTest, DescribesEveryCpuTheIoApicAndIsaIrqs) {
  const auto t = build_mptable(4, layout::kMpTableStart);
  const Parsed p = parse(t, layout::kMpTableStart);
  EXPECT_EQ(p.apic_ids, (std::vector<uint8_t>{0, 1, 2, 3}));
  EXPECT_EQ(p.bsp_count, 1);
  EXPECT_EQ(p.entry_counts.at(mptable::kEntryBus), 2);
  EXPECT_EQ(p.ioapic_id, 4);
  EXPECT_EQ(p.ioapic_address, layout::kIoApicStart);
  ASSERT_EQ(p.isa_irq_to_pin.size(), 16u);
  for (uint8_t irq = 0; irq < 16; ++irq) EXPECT_EQ(p.isa_irq_to_pin[irq], std::make_pair(irq, irq));
  EXPECT_EQ(p.local_types, (std::vector<uint8_t>{mptable::kInterruptExtInt, mptable::kInterruptNmi}));
}

TEST(MpTableTest, RefusesImpossibleCpuCounts) {
  EXPECT_THROW(build_mptable(0, layout::kMpTableStart), BootConfigError);
  EXPECT_THROW(build_mptable(255, layout::kMpTableStart), BootConfigError);
  EXPECT_NO_THROW(build_mptable(254, layout::kMpTableStart));
}

TEST(MpTableTest, WrittenWhereLinuxScansAndInReservedMemory) {
  const GuestMemory memory = GuestMemory::create(64 * layout::MiB);
  write_mptable(memory, 2);
  // Linux scans [639 KiB, 640 KiB) for "_MP_" on 16-byte boundaries.
  EXPECT_EQ(layout::kMpTableStart % 16, 0u);
  EXPECT_GE(layout::kMpTableStart, 639 * layout::KiB);
  EXPECT_LT(layout::kMpTableStart, 640 * layout::KiB);
  EXPECT_EQ(memory.read_le<uint32_t>(layout::kMpTableStart), 0x5f504d5fu);  // "_MP_"
  EXPECT_EQ(memory.read_le<uint16_t>(layout::kBdaEbdaSegment), layout::kEbdaStart >> 4);
  EXPECT_EQ(memory.read_le<uint16_t>(layout::kBdaBaseMemoryKiB), 639);
  const auto t = build_mptable(2, layout::kMpTableStart);
  std::vector<uint8_t> back(t.size());
  ASSERT_TRUE(memory.read(layout::kMpTableStart, back));
  EXPECT_EQ(back, t);
  EXPECT_LE(layout::kMpTableStart + t.size(), layout::kBiosAreaEnd);
}

}  // namespace
}  // namespace zvmm

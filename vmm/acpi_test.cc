#include "vmm/acpi.h"

#include <gtest/gtest.h>

#include <string>

#include "vmm/boot_errors.h"
#include "base/byte_writer.h"
#include "vmm/layout.h"
#include "base/le.h"

namespace zvmm {
namespace {

using layout::MiB;

std::string sig(std::span<const uint8_t> t) { return std::string(t.begin(), t.begin() + 4); }

void expect_valid_table(const std::vector<uint8_t>& t, const char* signature) {
  ASSERT_GE(t.size(), acpi::kHeaderSize);
  EXPECT_EQ(sig(t), signature);
  EXPECT_EQ(load_le<uint32_t>(t, 4), t.size());
  EXPECT_EQ(byte_sum(t), 0) << signature << " checksum";
}

TEST(AcpiTest, RsdpPointsAtTheXsdtWithBothChecksums) {
  const auto r = build_rsdp(0xe0123);
  ASSERT_EQ(r.size(), 36u);
  EXPECT_EQ(std::string(r.begin(), r.begin() + 8), "RSD PTR ");
  EXPECT_EQ(byte_sum(std::span(r).first(20)), 0);
  EXPECT_EQ(byte_sum(r), 0);
  EXPECT_EQ(r[15], 2) << "revision 2: XSDT";
  EXPECT_EQ(load_le<uint32_t>(r, 20), 36u);
  EXPECT_EQ(load_le<uint64_t>(r, 24), 0xe0123u);
}

TEST(AcpiTest, XsdtListsTables) {
  const uint64_t tables[] = {0x1000, 0x2000};
  const auto x = build_xsdt(tables);
  expect_valid_table(x, "XSDT");
  EXPECT_EQ(x.size(), 36u + 16);
  EXPECT_EQ(load_le<uint64_t>(x, 44), 0x2000u);
}

TEST(AcpiTest, FadtIsHardwareReducedAndPointsAtTheDsdt) {
  const auto f = build_fadt(0xe0040);
  expect_valid_table(f, "FACP");
  EXPECT_EQ(f.size(), acpi::kFadtSize);
  EXPECT_EQ(f[8], 6) << "revision";
  EXPECT_EQ(load_le<uint32_t>(f, 40), 0xe0040u);
  EXPECT_EQ(load_le<uint64_t>(f, 140), 0xe0040u);
  EXPECT_EQ(load_le<uint32_t>(f, 112) & acpi::kFadtHwReducedAcpi, acpi::kFadtHwReducedAcpi);
  EXPECT_EQ(load_le<uint16_t>(f, 109) & (1 << 3), 0) << "MSI must not be marked unsupported";
  EXPECT_EQ(f[131], acpi::kFadtMinorRevision);
  for (size_t gas : {244u, 256u}) {  // sleep control and status: byte-wide system I/O
    EXPECT_EQ(f[gas], 1);
    EXPECT_EQ(f[gas + 1], 8);
    EXPECT_EQ(load_le<uint64_t>(f, gas + 4), layout::kAcpiSleepPort);
  }
}

TEST(AcpiTest, MadtHasOneLapicPerCpuAndTheIoApic) {
  const auto m = build_madt(3);
  expect_valid_table(m, "APIC");
  EXPECT_EQ(load_le<uint32_t>(m, 36), layout::kLapicStart);
  size_t at = 44;
  std::vector<uint8_t> apic_ids;
  int ioapics = 0, nmis = 0;
  while (at < m.size()) {
    const uint8_t type = m[at], len = m[at + 1];
    ASSERT_GT(len, 0);
    if (type == acpi::kMadtLocalApic) {
      EXPECT_EQ(m[at + 2], m[at + 3]) << "processor UID = APIC id";
      EXPECT_EQ(load_le<uint32_t>(m, at + 4), 1u) << "enabled";
      apic_ids.push_back(m[at + 3]);
    } else if (type == acpi::kMadtIoApic) {
      ++ioapics;
      EXPECT_EQ(m[at + 2], 3) << "IOAPIC id after the LAPICs";
      EXPECT_EQ(load_le<uint32_t>(m, at + 4), layout::kIoApicStart);
      EXPECT_EQ(load_le<uint32_t>(m, at + 8), 0u) << "GSI base";
    } else if (type == acpi::kMadtLocalApicNmi) {
      ++nmis;
      EXPECT_EQ(m[at + 5], 1) << "LINT1";
    }
    at += len;
  }
  EXPECT_EQ(at, m.size());
  EXPECT_EQ(apic_ids, (std::vector<uint8_t>{0, 1, 2}));
  EXPECT_EQ(ioapics, 1);
  EXPECT_EQ(nmis, 1);
  EXPECT_THROW(build_madt(0), BootConfigError);
  EXPECT_THROW(build_madt(255), BootConfigError);
}

TEST(AcpiTest, McfgDescribesTheEcamWindow) {
  const auto m = build_mcfg();
  expect_valid_table(m, "MCFG");
  EXPECT_EQ(load_le<uint64_t>(m, 44), layout::kPciEcamStart);
  EXPECT_EQ(load_le<uint16_t>(m, 52), 0u);
  EXPECT_EQ(m[54], 0);
  EXPECT_EQ(m[55], kPciLastBus);  // one root bus: Linux probes every bus up to this one
}

TEST(AcpiTest, DsdtDescribesCom1AndThePciHostBridge) {
  const auto d = build_dsdt(PciHostWindows::for_guest(512 * MiB));
  expect_valid_table(d, "DSDT");
  const std::string aml(d.begin() + 36, d.end());
  for (const char* needle : {"_SB_", "COM1", "PCI0", "_HID", "_CID", "_CRS", "_SEG", "_BBN", "_S5_"}) {
    EXPECT_NE(aml.find(needle), std::string::npos) << needle;
  }
  // EISA ids PNP0501 / PNP0A08 / PNP0A03 as DWordConsts.
  EXPECT_NE(aml.find(std::string("\x0c\x41\xd0\x05\x01", 5)), std::string::npos);
  EXPECT_NE(aml.find(std::string("\x0c\x41\xd0\x0a\x08", 5)), std::string::npos);
  EXPECT_NE(aml.find(std::string("\x0c\x41\xd0\x0a\x03", 5)), std::string::npos);
  // Name(_S5_, Package() {5, 5, 0, 0})
  EXPECT_NE(aml.find(std::string("\x08_S5_\x12\x08\x04\x0a\x05\x0a\x05\x00\x00", 14)), std::string::npos);
}

TEST(AcpiTest, WrittenWhereLinuxLooksAndInsideTheReservedArea) {
  const GuestMemory memory = GuestMemory::create(64 * MiB);
  write_acpi_tables(memory, 2);
  std::vector<uint8_t> rsdp(36);
  ASSERT_TRUE(memory.read(layout::kAcpiRsdpStart, rsdp));
  EXPECT_EQ(std::string(rsdp.begin(), rsdp.begin() + 8), "RSD PTR ");
  EXPECT_EQ(layout::kAcpiRsdpStart % 16, 0u);
  // Follow RSDP -> XSDT -> each table, checking signatures and checksums.
  const uint64_t xsdt = load_le<uint64_t>(rsdp, 24);
  const uint32_t xsdt_len = *memory.read_le<uint32_t>(xsdt + 4);
  std::vector<std::string> found;
  for (uint64_t at = xsdt + 36; at < xsdt + xsdt_len; at += 8) {
    const uint64_t table = *memory.read_le<uint64_t>(at);
    const uint32_t len = *memory.read_le<uint32_t>(table + 4);
    std::vector<uint8_t> bytes(len);
    ASSERT_TRUE(memory.read(table, bytes));
    EXPECT_EQ(byte_sum(bytes), 0);
    EXPECT_GE(table, layout::kAcpiRsdpStart);
    EXPECT_LE(table + len, layout::kBiosAreaEnd);
    found.push_back(sig(bytes));
  }
  EXPECT_EQ(found, (std::vector<std::string>{"FACP", "APIC", "MCFG"}));
}

}  // namespace
}  // namespace zvmm

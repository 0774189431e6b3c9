#include "vmm/gdt.h"

#include <gtest/gtest.h>

#include "vmm/boot_cpu_state.h"
#include "vmm/layout.h"

namespace zvmm {
namespace {

TEST(GdtTest, EncodesDescriptorsLikeTheSdm) {
  // Flat 64-bit ring-0 code: the well-known 0x00af9b000000ffff.
  EXPECT_EQ(gdt_entry(0xa09b, 0, 0xfffff), 0x00af9b000000ffffull);
  EXPECT_EQ(gdt_entry(0xc093, 0, 0xfffff), 0x00cf93000000ffffull);
  EXPECT_EQ(gdt_entry(0x0093, 0x12345678, 0xabcde), 0x120a93345678bcdeull);
}

TEST(GdtTest, SegmentsDecodeBack) {
  const kvm_segment code = segment_from_gdt_entry(kBootGdt[kGdtCodeIndex], kGdtCodeIndex);
  EXPECT_EQ(code.selector, 0x08);
  EXPECT_EQ(code.base, 0u);
  EXPECT_EQ(code.limit, 0xffffffffu);
  EXPECT_EQ(code.type, 0xb);
  EXPECT_EQ(code.present, 1);
  EXPECT_EQ(code.l, 1);
  EXPECT_EQ(code.db, 0);
  EXPECT_EQ(code.s, 1);
  EXPECT_EQ(code.g, 1);
  const kvm_segment data = segment_from_gdt_entry(kBootGdt[kGdtDataIndex], kGdtDataIndex);
  EXPECT_EQ(data.selector, 0x10);
  EXPECT_EQ(data.type, 0x3);
  EXPECT_EQ(data.db, 1);
  EXPECT_EQ(data.l, 0);
  const kvm_segment tss = segment_from_gdt_entry(kBootGdt[kGdtTssIndex], kGdtTssIndex);
  EXPECT_EQ(tss.selector, 0x18);
  EXPECT_EQ(tss.s, 0);
  EXPECT_EQ(tss.type, 0xb);
  EXPECT_EQ(segment_from_gdt_entry(0, 0).unusable, 1);
  EXPECT_EQ(segment_from_gdt_entry(gdt_entry(0x0093, 0x12345678, 0xabcde), 5).base, 0x12345678u);
}

TEST(GdtTest, WritesTheGdtAndAnEmptyIdt) {
  const GuestMemory memory = GuestMemory::create(16 * layout::MiB);
  std::vector<uint8_t> junk(64, 0xaa);
  ASSERT_TRUE(memory.write(layout::kGdtStart, junk));
  write_boot_gdt(memory);
  for (size_t i = 0; i < kBootGdt.size(); ++i) {
    EXPECT_EQ(memory.read_le<uint64_t>(layout::kGdtStart + i * 8), kBootGdt[i]);
  }
  EXPECT_EQ(memory.read_le<uint64_t>(layout::kIdtStart), 0u);
}

TEST(BootCpuStateTest, LongModeSregs) {
  kvm_sregs s{};
  s.cr0 = 0x60000010;  // reset value: CD|NW|ET
  configure_long_mode(s, 0x9000);
  EXPECT_EQ(s.cr0 & (kCr0ProtectionEnable | kCr0Paging), kCr0ProtectionEnable | kCr0Paging);
  EXPECT_EQ(s.cr0 & 0x10, 0x10u) << "other CR0 bits kept";
  EXPECT_EQ(s.cr3, 0x9000u);
  EXPECT_EQ(s.cr4 & kCr4Pae, kCr4Pae);
  EXPECT_EQ(s.efer & (kEferLongModeEnable | kEferLongModeActive), kEferLongModeEnable | kEferLongModeActive);
  EXPECT_EQ(s.cs.selector, 0x08);
  EXPECT_EQ(s.cs.l, 1);
  EXPECT_EQ(s.ss.selector, 0x10);
  EXPECT_EQ(s.ds.selector, 0x10);
  EXPECT_EQ(s.tr.selector, 0x18);
  EXPECT_EQ(s.gdt.base, layout::kGdtStart);
  EXPECT_EQ(s.gdt.limit, 31);
  EXPECT_EQ(s.idt.base, layout::kIdtStart);
  EXPECT_EQ(s.idt.limit, 7);
}

TEST(BootCpuStateTest, RegistersPointAtTheZeroPage) {
  const kvm_regs r = boot_regs(0x100200);
  EXPECT_EQ(r.rip, 0x100200u);
  EXPECT_EQ(r.rsi, layout::kZeroPageStart);
  EXPECT_EQ(r.rsp, layout::kBootStackPointer);
  EXPECT_EQ(r.rflags, 2u);
  const kvm_fpu f = boot_fpu();
  EXPECT_EQ(f.fcw, 0x37f);
  EXPECT_EQ(f.mxcsr, 0x1f80u);
}

}  // namespace
}  // namespace zvmm

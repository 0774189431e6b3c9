#include "vmm/cpuid.h"

#include <gtest/gtest.h>

namespace zvmm {
namespace {

kvm_cpuid_entry2 leaf(uint32_t function, uint32_t index = 0, uint32_t eax = 0, uint32_t ebx = 0,
                      uint32_t ecx = 0, uint32_t edx = 0) {
  kvm_cpuid_entry2 e{};
  e.function = function;
  e.index = index;
  e.eax = eax, e.ebx = ebx, e.ecx = ecx, e.edx = edx;
  return e;
}

const kvm_cpuid_entry2& find(const std::vector<kvm_cpuid_entry2>& v, uint32_t f, uint32_t i = 0) {
  for (const auto& e : v) {
    if (e.function == f && e.index == i) return e;
  }
  throw std::runtime_error("leaf missing");
}

// A plausible supported list: leaf 1 with CLFLUSH size 8 in EBX[15:8] and a
// stale APIC id, cache leaves (L1d, L1i, L3, end), topology leaves, AMD leaves.
std::vector<kvm_cpuid_entry2> supported() {
  return {
      leaf(0x0, 0, 0x1f),
      leaf(0x1, 0, 0x000806f8, 0xff000800, 0x0, 0x10000000),
      leaf(0x4, 0, 0x00000121), leaf(0x4, 1, 0x00000122), leaf(0x4, 2, 0x00000163), leaf(0x4, 3, 0),
      leaf(0xb, 0), leaf(0xb, 1), leaf(0xb, 2),
      leaf(0x1f, 0), leaf(0x1f, 1),
      leaf(0x80000001, 0, 0, 0, 0x00800001 /* PERFCTR_CORE | LAHF */, 0),
      leaf(0x80000008, 0, 0x3030, 0, 0x0000f0ff),
      leaf(0x8000001e, 0, 0x7, 0x107, 0x3),
  };
}

TEST(CpuidTest, Leaf1CarriesApicIdCountAndHypervisorBit) {
  const auto v = cpuid_for_vcpu(supported(), {.vcpu_id = 3, .vcpu_count = 4, .tsc_deadline = true});
  const auto& l1 = find(v, 1);
  EXPECT_EQ(l1.ebx >> 24, 3u);
  EXPECT_EQ((l1.ebx >> 16) & 0xff, 4u);
  EXPECT_EQ((l1.ebx >> 8) & 0xff, 8u) << "CLFLUSH size kept";
  EXPECT_TRUE(l1.ecx & kCpuidLeaf1EcxHypervisor);
  EXPECT_TRUE(l1.ecx & kCpuidLeaf1EcxTscDeadline);
  EXPECT_TRUE(l1.edx & kCpuidLeaf1EdxHtt);
  EXPECT_EQ(l1.eax, 0x000806f8u);
}

TEST(CpuidTest, SingleVcpuWithoutTscDeadline) {
  auto s = supported();
  s[1].ecx |= kCpuidLeaf1EcxTscDeadline;
  const auto v = cpuid_for_vcpu(s, {.vcpu_id = 0, .vcpu_count = 1, .tsc_deadline = false});
  const auto& l1 = find(v, 1);
  EXPECT_EQ(l1.ebx >> 24, 0u);
  EXPECT_FALSE(l1.ecx & kCpuidLeaf1EcxTscDeadline);
  EXPECT_FALSE(l1.edx & kCpuidLeaf1EdxHtt);
}

TEST(CpuidTest, ExtendedTopologyGivesX2ApicIdsAndLevels) {
  const auto v = cpuid_for_vcpu(supported(), {.vcpu_id = 5, .vcpu_count = 6});
  for (uint32_t f : {0xbu, 0x1fu}) {
    const auto& smt = find(v, f, 0);
    EXPECT_EQ(smt.edx, 5u);
    EXPECT_EQ(smt.eax, 0u);
    EXPECT_EQ(smt.ebx, 1u);
    EXPECT_EQ(smt.ecx, (1u << 8) | 0);
    const auto& core = find(v, f, 1);
    EXPECT_EQ(core.edx, 5u);
    EXPECT_EQ(core.eax, 3u) << "6 cores need 3 APIC-id bits";
    EXPECT_EQ(core.ebx, 6u);
    EXPECT_EQ(core.ecx, (2u << 8) | 1);
  }
  const auto& end = find(v, 0xb, 2);
  EXPECT_EQ(end.ecx, 2u) << "level type 0 ends the enumeration";
  EXPECT_EQ(end.ebx, 0u);
}

TEST(CpuidTest, CacheLeavesDescribeCoresAndSharing) {
  const auto v = cpuid_for_vcpu(supported(), {.vcpu_id = 0, .vcpu_count = 4});
  EXPECT_EQ(find(v, 4, 0).eax >> 26, 3u);               // cores per package - 1
  EXPECT_EQ((find(v, 4, 0).eax >> 14) & 0xfff, 0u);     // L1 per core
  EXPECT_EQ((find(v, 4, 2).eax >> 14) & 0xfff, 3u);     // L3 shared by all
  EXPECT_EQ(find(v, 4, 2).eax & 0x3fff, 0x163u);        // type/level kept
  EXPECT_EQ(find(v, 4, 3).eax, 0u) << "the terminating null leaf is untouched";
}

TEST(CpuidTest, AmdLeaves) {
  const auto v = cpuid_for_vcpu(supported(), {.vcpu_id = 2, .vcpu_count = 3});
  EXPECT_EQ(find(v, 0x80000008).ecx & 0xff, 2u);
  EXPECT_EQ((find(v, 0x80000008).ecx >> 12) & 0xf, 2u);
  EXPECT_EQ(find(v, 0x8000001e).eax, 2u);
  EXPECT_EQ(find(v, 0x8000001e).ebx, 2u);
}

TEST(CpuidTest, HidesTheCorePerformanceCounters) {
  const auto v = cpuid_for_vcpu(supported(), {.vcpu_id = 0, .vcpu_count = 1});
  EXPECT_EQ(find(v, 0x80000001).ecx, 0x1u);
}

// Leaf 0xD as KVM_GET_SUPPORTED_CPUID reported it in the emulated KVM host: x87,
// SSE, AVX, PKRU (XCR0 0x207), 2696 bytes for all of them; sub-leaves carry
// KVM_CPUID_FLAG_SIGNIFCANT_INDEX. KVM rewrites (0xD,0).EBX and (0xD,1).EBX from
// the guest's XCR0/XSS at run time only when it finds these entries, so zvmm
// must hand them over as they are (and it offers every XSAVE feature leaf 1 and
// leaf 7 report, so the sizes match the features). The guest's "XSAVE
// consistency problem" in the emulated host is QEMU's (docs/testing.md).
TEST(CpuidTest, XsaveLeafPassesThroughWithItsSubleafFlags) {
  auto s = supported();
  s[1].ecx |= 1u << 26 | 1u << 28;  // XSAVE, AVX
  const std::vector<kvm_cpuid_entry2> xsave = {
      leaf(0xd, 0, 0x207, 0xa88, 0xa88, 0), leaf(0xd, 1, 0x5, 0, 0, 0),
      leaf(0xd, 2, 0x100, 0x240, 0, 0), leaf(0xd, 9, 0x8, 0xa80, 0, 0)};
  for (auto e : xsave) {
    e.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
    s.push_back(e);
  }
  const auto v = cpuid_for_vcpu(s, {.vcpu_id = 1, .vcpu_count = 2, .tsc_deadline = true});
  for (const auto& want : xsave) {
    const auto& got = find(v, 0xd, want.index);
    EXPECT_EQ(got.flags, KVM_CPUID_FLAG_SIGNIFCANT_INDEX) << "sub-leaf " << want.index;
    EXPECT_EQ(got.eax, want.eax) << "sub-leaf " << want.index;
    EXPECT_EQ(got.ebx, want.ebx) << "sub-leaf " << want.index;
    EXPECT_EQ(got.ecx, want.ecx) << "sub-leaf " << want.index;
    EXPECT_EQ(got.edx, want.edx) << "sub-leaf " << want.index;
  }
  EXPECT_TRUE(find(v, 1).ecx & (1u << 26)) << "XSAVE still offered";
  EXPECT_TRUE(find(v, 1).ecx & (1u << 28)) << "AVX still offered";
}

TEST(CpuidTest, ApicIdBits) {
  EXPECT_EQ(apic_id_bits(1), 0u);
  EXPECT_EQ(apic_id_bits(2), 1u);
  EXPECT_EQ(apic_id_bits(3), 2u);
  EXPECT_EQ(apic_id_bits(4), 2u);
  EXPECT_EQ(apic_id_bits(5), 3u);
}

}  // namespace
}  // namespace zvmm

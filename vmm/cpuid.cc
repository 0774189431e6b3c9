#include "vmm/cpuid.h"

namespace zvmm {

namespace {

constexpr uint32_t kLeafFeatures = 0x1;
constexpr uint32_t kLeafCacheParameters = 0x4;
constexpr uint32_t kLeafExtendedTopology = 0xb;
constexpr uint32_t kLeafExtendedTopologyV2 = 0x1f;
constexpr uint32_t kLeafAmdFeatures = 0x8000'0001;
constexpr uint32_t kLeafAmdSizes = 0x8000'0008;
constexpr uint32_t kLeafAmdTopology = 0x8000'001e;

// Leaf 0xb/0x1f level types (ECX[15:8]).
constexpr uint32_t kLevelSmt = 1;
constexpr uint32_t kLevelCore = 2;

void fix_topology_level(kvm_cpuid_entry2& e, const CpuidConfig& c) {
  const uint32_t level = e.index;
  e.edx = c.vcpu_id;  // x2APIC id
  if (level == 0) {
    e.eax = 0;  // one thread per core: no SMT bits
    e.ebx = 1;
    e.ecx = (kLevelSmt << 8) | level;
  } else if (level == 1) {
    e.eax = apic_id_bits(c.vcpu_count);
    e.ebx = c.vcpu_count;
    e.ecx = (kLevelCore << 8) | level;
  } else {
    e.eax = 0;
    e.ebx = 0;
    e.ecx = level;  // level type 0: invalid, ends the enumeration
  }
}

}  // namespace

uint32_t apic_id_bits(uint32_t count) {
  uint32_t bits = 0;
  while ((1u << bits) < count) ++bits;
  return bits;
}

std::vector<kvm_cpuid_entry2> cpuid_for_vcpu(std::vector<kvm_cpuid_entry2> entries,
                                             const CpuidConfig& c) {
  for (kvm_cpuid_entry2& e : entries) {
    switch (e.function) {
      case kLeafFeatures:
        e.ebx = (e.ebx & 0x0000'ffff) | ((c.vcpu_count & 0xff) << 16) | ((c.vcpu_id & 0xff) << 24);
        e.ecx |= kCpuidLeaf1EcxHypervisor;
        if (c.tsc_deadline) {
          e.ecx |= kCpuidLeaf1EcxTscDeadline;
        } else {
          e.ecx &= ~kCpuidLeaf1EcxTscDeadline;
        }
        if (c.vcpu_count > 1) {
          e.edx |= kCpuidLeaf1EdxHtt;
        } else {
          e.edx &= ~kCpuidLeaf1EdxHtt;
        }
        break;
      case kLeafCacheParameters: {
        if ((e.eax & 0x1f) == 0) break;  // no cache at this index
        const uint32_t cache_level = (e.eax >> 5) & 0x7;
        // L1/L2 are per core; the last level is shared by the whole package.
        const uint32_t sharing = cache_level >= 3 ? c.vcpu_count - 1 : 0;
        e.eax = (e.eax & 0x3fff) | ((sharing & 0xfff) << 14) | (((c.vcpu_count - 1) & 0x3f) << 26);
        break;
      }
      case kLeafExtendedTopology:
      case kLeafExtendedTopologyV2:
        fix_topology_level(e, c);
        break;
      case kLeafAmdFeatures:
        e.ecx &= ~kCpuidExt1EcxPerfctrCore;
        break;
      case kLeafAmdSizes:
        e.ecx = (e.ecx & ~0xf0ffu) | (apic_id_bits(c.vcpu_count) << 12) | ((c.vcpu_count - 1) & 0xff);
        break;
      case kLeafAmdTopology:
        e.eax = c.vcpu_id;
        e.ebx = c.vcpu_id & 0xff;  // core id; threads per core - 1 = 0 in EBX[15:8]
        e.ecx = 0;                 // node 0
        break;
      default:
        break;
    }
  }
  return entries;
}

}  // namespace zvmm

// Fixes for <linux/kvm.h> in C++.
//
// The uapi headers declare flexible-array members with __DECLARE_FLEX_ARRAY,
// which wraps the array in a struct that starts with an empty struct. In C that
// empty struct has size 0; in C++ it has size 1. So in C++ sizeof(kvm_cpuid2)
// is 12 instead of 8, `entries` sits at the wrong offset, and every ioctl number
// computed from such a struct (_IOW(KVMIO, nr, struct kvm_cpuid2)) differs from
// the kernel's: the kernel answers EINVAL or ENOTTY. C++ code must use the
// C-layout headers and ioctl numbers below and place the entries right after
// the header itself.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

namespace zvmm::kvm_uapi {

// struct kvm_cpuid2 without its entries (C layout: 8 bytes).
struct Cpuid2Header {
  uint32_t nent;
  uint32_t padding;
};
// struct kvm_msrs without its entries (C layout: 8 bytes).
struct MsrsHeader {
  uint32_t nmsrs;
  uint32_t pad;
};
// struct kvm_irq_routing without its entries (C layout: 8 bytes).
struct IrqRoutingHeader {
  uint32_t nr;
  uint32_t flags;
};

static_assert(sizeof(Cpuid2Header) == 8 && sizeof(MsrsHeader) == 8 && sizeof(IrqRoutingHeader) == 8);

inline constexpr unsigned long kGetSupportedCpuid = _IOWR(KVMIO, 0x05, Cpuid2Header);
inline constexpr unsigned long kSetCpuid2 = _IOW(KVMIO, 0x90, Cpuid2Header);
inline constexpr unsigned long kGetMsrs = _IOWR(KVMIO, 0x88, MsrsHeader);
inline constexpr unsigned long kSetMsrs = _IOW(KVMIO, 0x89, MsrsHeader);
inline constexpr unsigned long kSetGsiRouting = _IOW(KVMIO, 0x6a, IrqRoutingHeader);

// A header followed by `count` entries, contiguous and 8-byte aligned, as the
// kernel expects them.
template <typename Header, typename Entry>
class FlexBuffer {
 public:
  explicit FlexBuffer(size_t count)
      : count_(count), storage_(std::make_unique<uint64_t[]>((bytes() + 7) / 8)) {}

  Header* header() { return reinterpret_cast<Header*>(storage_.get()); }
  Entry* entries() { return reinterpret_cast<Entry*>(reinterpret_cast<uint8_t*>(storage_.get()) + sizeof(Header)); }
  size_t capacity() const { return count_; }
  void* data() { return storage_.get(); }

  void assign(const std::vector<Entry>& from) {
    std::memcpy(entries(), from.data(), from.size() * sizeof(Entry));
  }

 private:
  size_t bytes() const { return sizeof(Header) + count_ * sizeof(Entry); }
  size_t count_;
  std::unique_ptr<uint64_t[]> storage_;
};

}  // namespace zvmm::kvm_uapi

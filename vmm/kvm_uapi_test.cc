#include "vmm/kvm_uapi.h"

#include <gtest/gtest.h>

namespace zvmm {
namespace {

// The ioctl numbers a C program gets from <linux/kvm.h> (sizeof the headers = 8).
TEST(KvmUapiTest, IoctlNumbersMatchTheCLayout) {
  EXPECT_EQ(kvm_uapi::kGetSupportedCpuid, 0xc008ae05ul);
  EXPECT_EQ(kvm_uapi::kSetCpuid2, 0x4008ae90ul);
  EXPECT_EQ(kvm_uapi::kGetMsrs, 0xc008ae88ul);
  EXPECT_EQ(kvm_uapi::kSetMsrs, 0x4008ae89ul);
  EXPECT_EQ(kvm_uapi::kSetGsiRouting, 0x4008ae6aul);
}

TEST(KvmUapiTest, EntriesFollowTheHeaderDirectly) {
  kvm_uapi::FlexBuffer<kvm_uapi::MsrsHeader, kvm_msr_entry> b(3);
  EXPECT_EQ(reinterpret_cast<uint8_t*>(b.entries()) - reinterpret_cast<uint8_t*>(b.header()), 8);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data()) % 8, 0u);
  std::vector<kvm_msr_entry> e(3);
  e[2].index = 0x10;
  e[2].data = 42;
  b.assign(e);
  EXPECT_EQ(b.entries()[2].index, 0x10u);
  EXPECT_EQ(b.entries()[2].data, 42u);
}

}  // namespace
}  // namespace zvmm

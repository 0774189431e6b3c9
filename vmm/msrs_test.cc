#include "vmm/msrs.h"

#include <gtest/gtest.h>

#include <map>

namespace zvmm {
namespace {

TEST(MsrsTest, BootMsrs) {
  std::map<uint32_t, uint64_t> msrs;
  for (const auto& e : boot_msrs()) {
    EXPECT_TRUE(msrs.emplace(e.index, e.data).second) << "duplicate MSR " << std::hex << e.index;
  }
  const std::map<uint32_t, uint64_t> want = {
      {0x174, 0}, {0x175, 0}, {0x176, 0},                       // SYSENTER_CS/ESP/EIP
      {0xc0000081, 0}, {0xc0000082, 0}, {0xc0000083, 0},        // STAR, LSTAR, CSTAR
      {0xc0000084, 0}, {0xc0000102, 0},                         // SYSCALL_MASK, KERNEL_GS_BASE
      {0x10, 0},                                                // TSC
      {0x1a0, 1},                                               // MISC_ENABLE: fast strings
      {0x2ff, (1 << 11) | 6},                                   // MTRRdefType: enabled, WB
  };
  EXPECT_EQ(msrs, want);
}

}  // namespace
}  // namespace zvmm

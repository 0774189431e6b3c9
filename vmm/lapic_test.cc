#include "vmm/lapic.h"

#include <gtest/gtest.h>

namespace zvmm {
namespace {

TEST(LapicTest, Lint0IsMaskedExtIntAndLint1IsNmi) {
  kvm_lapic_state s{};
  set_lapic_register(s, kApicLvtLint0, 0x00000700);  // KVM's BSP reset value: ExtINT, unmasked
  set_lapic_register(s, kApicLvtLint1, 0x00010000);
  configure_lapic_lint(s);
  EXPECT_EQ(lapic_register(s, kApicLvtLint0), kApicLvtMasked | (kApicDeliveryModeExtInt << 8));
  EXPECT_EQ(lapic_register(s, kApicLvtLint1), 0x00010000u | (kApicDeliveryModeNmi << 8));
  // Little-endian in the image.
  EXPECT_EQ(static_cast<uint8_t>(s.regs[kApicLvtLint1 + 1]), 0x04);
}

}  // namespace
}  // namespace zvmm

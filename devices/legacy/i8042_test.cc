#include "devices/legacy/i8042.h"

#include <gtest/gtest.h>

namespace zvmm {
namespace {

class I8042Test : public ::testing::Test {
 protected:
  uint8_t rd(uint64_t offset) {
    uint8_t b = 0;
    dev.read(offset, std::span<uint8_t>(&b, 1));
    return b;
  }
  void wr(uint64_t offset, uint8_t value) { dev.write(offset, std::span<const uint8_t>(&value, 1)); }

  int resets = 0;
  I8042 dev{[this] { ++resets; }};
};

TEST_F(I8042Test, ResetCommandPulsesTheResetLine) {
  wr(I8042::kCommandOffset, I8042::kCmdPulseReset);
  EXPECT_EQ(resets, 1);
}

TEST_F(I8042Test, WritingOutputPortWithResetBitClearResets) {
  wr(I8042::kCommandOffset, I8042::kCmdWriteOutputPort);
  wr(I8042::kDataOffset, 0x00);
  EXPECT_EQ(resets, 1);
}

TEST_F(I8042Test, StatusIsIdleSoRebootDoesNotWait) {
  // Linux's kb_wait() spins while bit 1 (input buffer full) is set.
  const uint8_t status = rd(I8042::kCommandOffset);
  EXPECT_EQ(status & 0x02, 0);
  EXPECT_EQ(status & I8042::kStatusOutputFull, 0);
}

TEST_F(I8042Test, CommandByteRoundTrip) {
  wr(I8042::kCommandOffset, I8042::kCmdWriteCtr);
  wr(I8042::kDataOffset, 0x47);
  wr(I8042::kCommandOffset, I8042::kCmdReadCtr);
  EXPECT_NE(rd(I8042::kCommandOffset) & I8042::kStatusOutputFull, 0);
  EXPECT_EQ(rd(I8042::kDataOffset), 0x47);
  EXPECT_EQ(rd(I8042::kCommandOffset) & I8042::kStatusOutputFull, 0);
  EXPECT_EQ(resets, 0);
}

TEST_F(I8042Test, SelfTestPasses) {
  wr(I8042::kCommandOffset, I8042::kCmdSelfTest);
  EXPECT_EQ(rd(I8042::kDataOffset), I8042::kSelfTestPassed);
}

TEST_F(I8042Test, OtherPortsInTheRangeReadAllOnes) {
  EXPECT_EQ(rd(1), 0xff);
  wr(2, 0xfe);
  EXPECT_EQ(resets, 0);
}

}  // namespace
}  // namespace zvmm

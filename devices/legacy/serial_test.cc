#include "devices/legacy/serial.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace zvmm {
namespace {

class SerialTest : public ::testing::Test {
 protected:
  uint8_t rd(uint64_t reg) {
    uint8_t b = 0;
    serial.read(reg, std::span<uint8_t>(&b, 1));
    return b;
  }
  void wr(uint64_t reg, uint8_t value) { serial.write(reg, std::span<const uint8_t>(&value, 1)); }

  std::string output;
  std::vector<bool> irq_levels;
  Serial serial{[this](std::span<const uint8_t> b) { output.append(b.begin(), b.end()); },
                [this](bool level) { irq_levels.push_back(level); }};
};

TEST_F(SerialTest, TransmitsToTheOutputSink) {
  for (char c : std::string("hi\n")) wr(Serial::kData, static_cast<uint8_t>(c));
  EXPECT_EQ(output, "hi\n");
}

TEST_F(SerialTest, LineStatusShowsTransmitterEmptyAndDataReady) {
  EXPECT_EQ(rd(Serial::kLineStatus), Serial::kLsrThrEmpty | Serial::kLsrTransmitterEmpty);
  const uint8_t in[] = {'x'};
  EXPECT_EQ(serial.enqueue_input(in), 1u);
  EXPECT_EQ(rd(Serial::kLineStatus),
            Serial::kLsrThrEmpty | Serial::kLsrTransmitterEmpty | Serial::kLsrDataReady);
  EXPECT_EQ(rd(Serial::kData), 'x');
  EXPECT_EQ(rd(Serial::kLineStatus) & Serial::kLsrDataReady, 0);
}

TEST_F(SerialTest, ScratchRegisterHoldsItsValue) {
  wr(Serial::kScratch, 0x5a);
  EXPECT_EQ(rd(Serial::kScratch), 0x5a);
}

TEST_F(SerialTest, InterruptEnableKeepsLowFourBits) {
  // Linux's 8250 probe writes 0 and 0x0f to IER and expects them back.
  wr(Serial::kInterruptEnable, 0);
  EXPECT_EQ(rd(Serial::kInterruptEnable), 0);
  wr(Serial::kInterruptEnable, 0xff);
  EXPECT_EQ(rd(Serial::kInterruptEnable), 0x0f);
}

TEST_F(SerialTest, DlabSwitchesToTheDivisorLatch) {
  wr(Serial::kLineControl, Serial::kLcrDlab | 0x03);
  wr(Serial::kData, 0x01);
  wr(Serial::kInterruptEnable, 0x02);
  EXPECT_EQ(rd(Serial::kData), 0x01);
  EXPECT_EQ(rd(Serial::kInterruptEnable), 0x02);
  EXPECT_TRUE(output.empty()) << "divisor writes are not data";
  wr(Serial::kLineControl, 0x03);
  EXPECT_EQ(rd(Serial::kInterruptEnable), 0x00) << "IER untouched by divisor writes";
  EXPECT_EQ(rd(Serial::kLineControl), 0x03);
}

TEST_F(SerialTest, IirReportsNoInterruptAndFifoState) {
  EXPECT_EQ(rd(Serial::kInterruptId), Serial::kIirNoInterrupt);
  wr(Serial::kInterruptId, Serial::kFcrEnableFifo);
  EXPECT_EQ(rd(Serial::kInterruptId), Serial::kIirNoInterrupt | Serial::kIirFifoEnabled);
}

TEST_F(SerialTest, ThrEmptyInterruptRaisesAndIsAcknowledgedByIirRead) {
  wr(Serial::kInterruptEnable, Serial::kIerThrEmpty);
  ASSERT_EQ(irq_levels, (std::vector<bool>{true}));
  EXPECT_EQ(rd(Serial::kInterruptId), Serial::kIirThrEmpty);
  EXPECT_EQ(irq_levels, (std::vector<bool>{true, false}));
  EXPECT_EQ(rd(Serial::kInterruptId), Serial::kIirNoInterrupt);
  // Each transmitted byte re-arms THRE.
  wr(Serial::kData, 'a');
  EXPECT_EQ(irq_levels, (std::vector<bool>{true, false, true}));
  EXPECT_EQ(rd(Serial::kInterruptId), Serial::kIirThrEmpty);
}

TEST_F(SerialTest, ReceivedDataInterruptHasPriorityAndClearsWhenDrained) {
  wr(Serial::kInterruptEnable, Serial::kIerReceivedData);
  EXPECT_TRUE(irq_levels.empty());
  const uint8_t in[] = {'o', 'k'};
  serial.enqueue_input(in);
  EXPECT_EQ(irq_levels, (std::vector<bool>{true}));
  EXPECT_EQ(rd(Serial::kInterruptId), Serial::kIirReceivedData);
  EXPECT_EQ(rd(Serial::kData), 'o');
  EXPECT_EQ(rd(Serial::kData), 'k');
  EXPECT_EQ(irq_levels, (std::vector<bool>{true, false}));
  EXPECT_EQ(rd(Serial::kInterruptId), Serial::kIirNoInterrupt);
}

TEST_F(SerialTest, NoInterruptWhenDisabled) {
  const uint8_t in[] = {'z'};
  serial.enqueue_input(in);
  wr(Serial::kData, 'a');
  EXPECT_TRUE(irq_levels.empty());
}

TEST_F(SerialTest, LoopbackRoutesDataAndModemLines) {
  // What Linux's 8250 autoconfig checks: MCR = LOOP|OUT2|RTS gives MSR = DCD|CTS.
  wr(Serial::kModemControl, Serial::kMcrLoop | Serial::kMcrOut2 | Serial::kMcrRts);
  EXPECT_EQ(rd(Serial::kModemStatus) & 0xf0, Serial::kMsrDcd | Serial::kMsrCts);
  wr(Serial::kData, 'L');
  EXPECT_TRUE(output.empty());
  EXPECT_EQ(rd(Serial::kData), 'L');
  wr(Serial::kModemControl, Serial::kMcrOut2);
  EXPECT_EQ(rd(Serial::kModemStatus), Serial::kMsrDcd | Serial::kMsrDsr | Serial::kMsrCts);
}

TEST_F(SerialTest, InputFifoIsBounded) {
  std::vector<uint8_t> big(Serial::kInputCapacity + 10, 'b');
  EXPECT_EQ(serial.enqueue_input(big), Serial::kInputCapacity);
  EXPECT_EQ(serial.input_room(), 0u);
  rd(Serial::kData);
  EXPECT_EQ(serial.input_room(), 1u);
}

TEST_F(SerialTest, OutOfRangeAndWideAccessesReadAllOnes) {
  uint8_t two[2] = {0, 0};
  serial.read(0, two);
  EXPECT_EQ(two[0], 0xff);
  EXPECT_EQ(two[1], 0xff);
  uint8_t b = 0;
  serial.read(8, std::span<uint8_t>(&b, 1));
  EXPECT_EQ(b, 0xff);
}

}  // namespace
}  // namespace zvmm

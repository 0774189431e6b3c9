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

// What Linux's 8250 driver does to send a buffer: enable the THRE interrupt,
// take it (read IIR), write bytes to THR, and clear IER.THRE once its buffer is
// empty. transmit_activity() must report "pending" for as long as the driver
// has bytes left and move last_activity forward at every step.
TEST_F(SerialTest, TransmitActivityFollowsTheDriversTransmitCycle) {
  const Serial::TransmitActivity idle = serial.transmit_activity();
  EXPECT_FALSE(idle.thre_interrupt_pending);
  EXPECT_EQ(idle.bytes_transmitted, 0u);
  EXPECT_LE(idle.last_activity, Serial::Clock::now());

  wr(Serial::kInterruptEnable, Serial::kIerThrEmpty);  // start_tx
  Serial::TransmitActivity a = serial.transmit_activity();
  EXPECT_TRUE(a.thre_interrupt_pending) << "enabling THRE while THR is empty raises it";
  EXPECT_GE(a.last_activity, idle.last_activity);

  EXPECT_EQ(rd(Serial::kInterruptId) & 0x0f, Serial::kIirThrEmpty);  // the handler takes it
  const Serial::TransmitActivity acked = serial.transmit_activity();
  EXPECT_FALSE(acked.thre_interrupt_pending);
  EXPECT_GE(acked.last_activity, a.last_activity) << "an acknowledgement is activity";

  wr(Serial::kData, 'x');
  wr(Serial::kData, 'y');
  a = serial.transmit_activity();
  EXPECT_EQ(a.bytes_transmitted, 2u);
  EXPECT_TRUE(a.thre_interrupt_pending) << "THR empty again, IER.THRE still set: more to send";
  EXPECT_GE(a.last_activity, acked.last_activity);

  wr(Serial::kInterruptEnable, 0);  // stop_tx: the driver's buffer is empty
  const Serial::TransmitActivity done = serial.transmit_activity();
  EXPECT_FALSE(done.thre_interrupt_pending);
  EXPECT_EQ(done.bytes_transmitted, 2u);
  EXPECT_GE(done.last_activity, a.last_activity);
  EXPECT_EQ(output, "xy");
}

TEST_F(SerialTest, PolledConsoleWritesCountWithoutAPendingInterrupt) {
  // printk's console writes poll LSR with IER = 0.
  wr(Serial::kInterruptEnable, 0);
  wr(Serial::kData, 'k');
  const Serial::TransmitActivity a = serial.transmit_activity();
  EXPECT_EQ(a.bytes_transmitted, 1u);
  EXPECT_FALSE(a.thre_interrupt_pending);
}

TEST_F(SerialTest, LoopbackBytesAreNotTransmitted) {
  wr(Serial::kModemControl, Serial::kMcrLoop);
  wr(Serial::kData, 'l');
  EXPECT_EQ(serial.transmit_activity().bytes_transmitted, 0u);
  EXPECT_TRUE(output.empty());
}

}  // namespace
}  // namespace zvmm

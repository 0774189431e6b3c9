#include "vmm/console_drain.h"

#include <gtest/gtest.h>

namespace zvmm {
namespace {

using namespace std::chrono_literals;
using Activity = Serial::TransmitActivity;

class ConsoleDrainTest : public ::testing::Test {
 protected:
  DrainState at(Serial::Clock::duration since_status, Activity now_activity) {
    return decide(rule, at_status, t0, now_activity, t0 + since_status);
  }
  const ConsoleDrainRule rule;  // 200 ms quiet, 8 KiB, 30 s
  const Serial::Clock::time_point t0 = Serial::Clock::now();
  const Activity at_status{.last_activity = t0 - 5ms, .bytes_transmitted = 1000,
                           .thre_interrupt_pending = true};
};

TEST_F(ConsoleDrainTest, DefaultsAreTheDocumentedOnes) {
  EXPECT_EQ(rule.quiet, 200ms);
  EXPECT_EQ(rule.byte_budget, 8192u);
  EXPECT_EQ(rule.cap, 30s);
}

TEST_F(ConsoleDrainTest, AnIdleUartStopsAfterTheQuietPeriod) {
  const Activity idle{.last_activity = t0 - 1s, .bytes_transmitted = 1000};
  EXPECT_EQ(at(0ms, idle), DrainState::kQuiet) << "quiet for a second before the status";
  const Activity recent{.last_activity = t0, .bytes_transmitted = 1000};
  EXPECT_EQ(at(199ms, recent), DrainState::kDraining);
  EXPECT_EQ(at(200ms, recent), DrainState::kQuiet);
}

TEST_F(ConsoleDrainTest, APendingThreInterruptIsNeverQuiet) {
  // The driver still has bytes: however long nothing was written, keep going.
  const Activity pending{.last_activity = t0, .bytes_transmitted = 1000,
                         .thre_interrupt_pending = true};
  EXPECT_EQ(at(5s, pending), DrainState::kDraining);
  EXPECT_EQ(at(29'999ms, pending), DrainState::kDraining);
  EXPECT_EQ(at(30s, pending), DrainState::kCap);
}

TEST_F(ConsoleDrainTest, TransmittingResetsTheQuietPeriod) {
  const Activity sending{.last_activity = t0 + 1s, .bytes_transmitted = 3000};
  EXPECT_EQ(at(1100ms, sending), DrainState::kDraining);
  EXPECT_EQ(at(1200ms, sending), DrainState::kQuiet);
}

TEST_F(ConsoleDrainTest, AGuestThatKeepsPrintingStopsAtTheByteBudget) {
  const Activity at_budget{.last_activity = t0 + 2s, .bytes_transmitted = 1000 + 8192,
                           .thre_interrupt_pending = true};
  EXPECT_EQ(at(2s, at_budget), DrainState::kDraining) << "the budget itself may be sent";
  Activity over = at_budget;
  ++over.bytes_transmitted;
  EXPECT_EQ(at(2s, over), DrainState::kByteBudget);
}

TEST_F(ConsoleDrainTest, QuietWinsOverTheOtherRules) {
  const Activity quiet_after_much{.last_activity = t0, .bytes_transmitted = 1'000'000};
  EXPECT_EQ(at(31s, quiet_after_much), DrainState::kQuiet);
}

TEST(DrainStartTest, TheFirstSnapshotStays) {
  Serial serial([](std::span<const uint8_t>) {}, [](bool) {});
  DrainStart start;
  const DrainStart::Snapshot first = start.take_once(serial);
  const uint8_t x = 'x';
  serial.write(Serial::kData, std::span<const uint8_t>(&x, 1));
  const DrainStart::Snapshot later = start.take_once(serial);
  EXPECT_EQ(later.time, first.time);
  EXPECT_EQ(later.activity.bytes_transmitted, 0u);
  EXPECT_EQ(serial.transmit_activity().bytes_transmitted, 1u);
}

TEST(ConsoleDrainNames, EveryStateHasAName) {
  EXPECT_EQ(to_string(DrainState::kDraining), "draining");
  EXPECT_EQ(to_string(DrainState::kQuiet), "quiet");
  EXPECT_EQ(to_string(DrainState::kByteBudget), "byte budget");
  EXPECT_EQ(to_string(DrainState::kCap), "cap");
}

}  // namespace
}  // namespace zvmm

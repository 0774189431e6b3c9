#include "vmm/vm_stop.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace zvmm {
namespace {

TEST(VmStopTest, FirstRequestWins) {
  VmStop stop;
  EXPECT_FALSE(stop.requested());
  EXPECT_TRUE(stop.request({3, "first"}));
  EXPECT_FALSE(stop.request({4, "second"}));
  EXPECT_TRUE(stop.requested());
  EXPECT_EQ(stop.reason()->exit_code, 3);
  EXPECT_EQ(stop.wait().message, "first");
}

TEST(VmStopTest, WaitBlocksUntilARequest) {
  VmStop stop;
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    stop.request({7, "from another thread"});
  });
  EXPECT_EQ(stop.wait().exit_code, 7);
  t.join();
}

TEST(VmStopTest, ADeferredRequestWinsButDoesNotStopYet) {
  VmStop stop;
  EXPECT_TRUE(stop.request_deferred({5, ""}));
  EXPECT_FALSE(stop.requested()) << "the vCPUs keep running";
  EXPECT_TRUE(stop.deferred());
  EXPECT_FALSE(stop.request_deferred({6, ""}));
  EXPECT_EQ(stop.reason()->exit_code, 5);
}

TEST(VmStopTest, WaitPollsUntilReadyThenStops) {
  VmStop stop;
  stop.request_deferred({5, ""});
  int polls = 0;
  const StopReason r = stop.wait([&] { return ++polls == 3; }, std::chrono::milliseconds(1));
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_EQ(polls, 3);
  EXPECT_TRUE(stop.requested());
  EXPECT_FALSE(stop.deferred());
}

TEST(VmStopTest, ALaterRequestEndsTheDeferralButKeepsTheDeferredReason) {
  VmStop stop;
  stop.request_deferred({5, ""});
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_FALSE(stop.request({0, "power off"}));
  });
  // Never ready: only the power-off ends the wait.
  const StopReason r = stop.wait([] { return false; }, std::chrono::hours(1));
  t.join();
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_EQ(r.message, "");
  EXPECT_TRUE(stop.requested());
}

TEST(VmStopTest, AnImmediateRequestIsNotPolled) {
  VmStop stop;
  stop.request({2, "now"});
  EXPECT_FALSE(stop.request_deferred({5, ""}));
  bool polled = false;
  EXPECT_EQ(stop.wait([&] { return polled = true; }, std::chrono::milliseconds(1)).exit_code, 2);
  EXPECT_FALSE(polled);
}

TEST(VmStopTest, PlainWaitStopsADeferredRequestAtOnce) {
  VmStop stop;
  stop.request_deferred({5, ""});
  EXPECT_EQ(stop.wait().exit_code, 5);
  EXPECT_TRUE(stop.requested());
}

// The on-effect action (kick every vCPU) runs on the thread whose request makes
// the stop take effect, once, and wait() returns only after it has finished.
TEST(VmStopTest, OnEffectRunsOnTheRequestingThreadBeforeWaitReturns) {
  VmStop stop;
  std::atomic<int> runs{0};
  std::atomic<bool> finished{false};
  std::thread::id ran_on;
  stop.set_on_effect([&] {
    ran_on = std::this_thread::get_id();
    ++runs;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    finished = true;
  });
  EXPECT_EQ(runs, 0) << "nothing to do before a stop";
  std::thread::id requester;
  std::thread t([&] {
    requester = std::this_thread::get_id();
    stop.request({7, "from a vCPU"});
  });
  stop.wait();
  EXPECT_TRUE(finished) << "wait() returned while the vCPUs were still being kicked";
  t.join();
  EXPECT_EQ(ran_on, requester);
  stop.request({8, "later"});
  EXPECT_EQ(runs, 1);
}

TEST(VmStopTest, OnEffectRunsWhenADeferredStopBecomesReady) {
  VmStop stop;
  int runs = 0;
  stop.set_on_effect([&] { ++runs; });
  stop.request_deferred({5, ""});
  EXPECT_EQ(runs, 0) << "a deferred stop leaves the vCPUs running";
  int polls = 0;
  stop.wait([&] { return ++polls == 2; }, std::chrono::milliseconds(1));
  EXPECT_EQ(runs, 1);
}

TEST(VmStopTest, OnEffectSetAfterTheStopRunsAtOnce) {
  VmStop stop;
  stop.request({3, "before the vCPUs existed"});
  int runs = 0;
  stop.set_on_effect([&] { ++runs; });
  EXPECT_EQ(runs, 1);
  stop.set_on_effect([&] { ++runs; });
  EXPECT_EQ(runs, 1) << "the action runs once per stop";
}

}  // namespace
}  // namespace zvmm

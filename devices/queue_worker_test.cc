#include "devices/queue_worker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

#include "devices/worker_thread.h"

namespace zvmm::devices {
namespace {

class FakeQueue final : public ServicedQueue {
 public:
  size_t service() override {
    ++services;
    return 1;
  }
  size_t available() override { return 0; }
  int completion_fd() const override { return completions.fd(); }
  void consume_signal() override {
    completions.consume();
    ++signals;
  }
  void quiesce() override { quiesced = true; }

  EventFd completions;
  std::atomic<int> services{0}, signals{0};
  std::atomic<bool> quiesced{false};
};

bool eventually(const std::function<bool()>& f) {
  for (int i = 0; i < 2000; ++i) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

class QueueWorkerTest : public ::testing::TestWithParam<KickYield> {};

// A pass at start, one per doorbell and per completion signal, and quiesce()
// once stopped, under every kick-yield policy.
TEST_P(QueueWorkerTest, ServesDoorbellsAndCompletionsThenQuiesces) {
  FakeQueue q;
  EventFd doorbell;
  {
    WorkerThread worker([&](int stop_fd) { run_queue_worker(q, doorbell, stop_fd, GetParam()); });
    ASSERT_TRUE(eventually([&] { return q.services == 1; }));  // requests made available before start
    doorbell.signal();
    ASSERT_TRUE(eventually([&] { return q.services == 2; }));
    q.completions.signal();
    ASSERT_TRUE(eventually([&] { return q.services == 3 && q.signals == 1; }));
    for (int i = 0; i < 10; ++i) {
      doorbell.signal();
      const int want = 4 + i;
      ASSERT_TRUE(eventually([&] { return q.services >= want; }));
    }
    EXPECT_FALSE(q.quiesced);
  }  // stop and join
  EXPECT_TRUE(q.quiesced);
}

// A guest still queueing its burst after the doorbell: each look at the ring
// finds one more request, up to `burst`. The kick wait keeps waiting while
// the ring grows, so one pass takes the whole burst.
class BurstQueue final : public ServicedQueue {
 public:
  size_t available() override {
    if (queued < burst) ++queued;
    return queued - taken;
  }
  size_t service() override {
    ++services;
    const size_t n = queued - taken;
    taken = queued.load();
    if (n > 0) passes.push_back(n);
    return n;
  }
  int completion_fd() const override { return completions.fd(); }
  void consume_signal() override { completions.consume(); }
  void quiesce() override {}

  std::atomic<size_t> burst{0}, queued{0}, taken{0}, services{0};
  std::vector<size_t> passes;  // worker thread only; read after join
  EventFd completions;
};

// Runs `guest` beside a worker serving `q` under `policy`, once the worker's
// pass at start is done; the worker is stopped and joined afterwards.
void with_worker(BurstQueue& q, EventFd& doorbell, KickYield policy, const std::function<void()>& guest) {
  WorkerThread worker([&](int stop_fd) { run_queue_worker(q, doorbell, stop_fd, policy); });
  ASSERT_TRUE(eventually([&] { return q.services == 1; }));
  guest();
}

TEST(QueueWorkerKickWaitTest, TakesAGrowingBurstInOnePass) {
  BurstQueue q;
  EventFd doorbell;
  with_worker(q, doorbell, KickYield::kOn, [&] {
    q.burst = 8;
    doorbell.signal();
    ASSERT_TRUE(eventually([&] { return q.taken == 8; }));
  });
  EXPECT_EQ(q.passes, (std::vector<size_t>{8}));
}

// A longer burst is taken kKickBatch at a time: the wait ends when that many
// wait, and the rest waits for the next doorbell (here: the test rings again).
TEST(QueueWorkerKickWaitTest, StopsWaitingAtTheBatchSize) {
  BurstQueue q;
  EventFd doorbell;
  with_worker(q, doorbell, KickYield::kOn, [&] {
    q.burst = 40;
    doorbell.signal();
    ASSERT_TRUE(eventually([&] { return q.taken >= kKickBatch; }));
    doorbell.signal();
    ASSERT_TRUE(eventually([&] { return q.taken >= 2 * kKickBatch; }));
  });
  ASSERT_GE(q.passes.size(), 2u);
  EXPECT_EQ(q.passes[0], kKickBatch);
  EXPECT_EQ(q.passes[1], kKickBatch);
}

// kAuto waits once doorbells bring bursts: the first doorbell (two requests
// already queued) is taken at once, the next one's growing burst in one pass.
TEST(QueueWorkerKickWaitTest, AutoWaitsAfterABurst) {
  BurstQueue q;
  EventFd doorbell;
  with_worker(q, doorbell, KickYield::kAuto, [&] {
    q.burst = q.queued = 2;
    doorbell.signal();
    ASSERT_TRUE(eventually([&] { return q.taken == 2; }));
    q.burst = 10;
    doorbell.signal();
    ASSERT_TRUE(eventually([&] { return q.taken == 10; }));
  });
  EXPECT_EQ(q.passes, (std::vector<size_t>{2, 8}));
}

// kOff takes the ring at once: the burst's later requests wait for the next
// doorbell.
TEST(QueueWorkerKickWaitTest, OffDoesNotWait) {
  BurstQueue q;
  EventFd doorbell;
  with_worker(q, doorbell, KickYield::kOff, [&] {
    q.burst = 8;
    q.queued = 1;
    doorbell.signal();
    ASSERT_TRUE(eventually([&] { return q.taken == 1; }));
  });
  EXPECT_EQ(q.passes, (std::vector<size_t>{1}));
}

TEST(KickGapTest, LearnsTwiceTheLongestIntervalWithinBounds) {
  using std::chrono::microseconds;
  KickGap g;
  EXPECT_EQ(g.gap(), kKickGapInitial);
  g.learn(microseconds(30));
  EXPECT_EQ(g.gap(), microseconds(60));
  g.learn(microseconds(0));  // no evidence: unchanged
  EXPECT_EQ(g.gap(), microseconds(60));
  g.learn(std::chrono::milliseconds(5));
  EXPECT_EQ(g.gap(), kKickGapMax);
  g.learn(std::chrono::nanoseconds(100));
  EXPECT_EQ(g.gap(), kKickGapMin);
}

INSTANTIATE_TEST_SUITE_P(Policies, QueueWorkerTest,
                         ::testing::Values(KickYield::kAuto, KickYield::kOn, KickYield::kOff));

}  // namespace
}  // namespace zvmm::devices

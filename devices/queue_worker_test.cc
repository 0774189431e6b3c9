#include "devices/queue_worker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "devices/worker_thread.h"

namespace zvmm::devices {
namespace {

class FakeQueue final : public ServicedQueue {
 public:
  size_t service() override {
    ++services;
    return 1;
  }
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

INSTANTIATE_TEST_SUITE_P(Policies, QueueWorkerTest,
                         ::testing::Values(KickYield::kAuto, KickYield::kOn, KickYield::kOff));

}  // namespace
}  // namespace zvmm::devices

// The guest workload that stalled (issue 9/12): fio --zonemode=zbd writers,
// one write per zone in flight (Linux zone write plugging), reaching the
// device on whichever queue their CPU maps to, while another thread opens and
// closes one more zone, at max-open 2. Two worker threads each own a queue and
// serve an inbox, as devices::run_queue_worker does. Every request must
// complete: a watchdog fails the test with the zone states when nothing
// completes for 10 s.
#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <random>
#include <thread>

#include "base/event_fd.h"
#include "zoned/test_support.h"

namespace zvmm::zoned {
namespace {

using S = ZoneStatus;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kZoneSectors = 2048;
constexpr uint64_t kCapSectors = 1536;

// A device queue's thread: runs requests handed to it on its own ZonedQueue.
class Worker {
 public:
  explicit Worker(ZonedDevice& device) : q_(device.open_queue(64)) {
    thread_ = std::thread([this] { loop(); });
  }
  ~Worker() {
    stop_ = true;
    inbox_fd_.signal();
    thread_.join();
  }
  void submit(std::function<void(ZonedQueue&)> fn) {
    {
      std::lock_guard lock(mu_);
      inbox_.push_back(std::move(fn));
    }
    inbox_fd_.signal();
  }

 private:
  void loop() {
    pollfd fds[2] = {{inbox_fd_.fd(), POLLIN, 0}, {q_->completion_fd(), POLLIN, 0}};
    while (!stop_) {
      ::poll(fds, 2, 100);
      if (fds[1].revents) q_->consume_signal();
      if (fds[0].revents) inbox_fd_.consume();
      std::deque<std::function<void(ZonedQueue&)>> work;
      {
        std::lock_guard lock(mu_);
        work.swap(inbox_);
      }
      q_->plug();
      for (auto& fn : work) fn(*q_);
      q_->unplug();
      do {
        q_->drain();
      } while (q_->has_ready());
    }
    q_->wait_idle();
  }

  std::unique_ptr<ZonedQueue> q_;
  EventFd inbox_fd_;
  std::mutex mu_;
  std::deque<std::function<void(ZonedQueue&)>> inbox_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Waits for one request's status.
struct Waiter {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  S status{};
  void set(S st) {
    std::lock_guard lock(mu);
    status = st, done = true;
    cv.notify_all();
  }
  bool wait(std::chrono::seconds limit) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, limit, [&] { return done; });
  }
};

void writers_beside_explicit_opens(uint32_t round) {
  ZoneGeometryConfig cfg;
  cfg.device_bytes = 40 * kZoneSectors * 512;
  cfg.zone_size_bytes = kZoneSectors * 512;
  cfg.zone_capacity_bytes = kCapSectors * 512;
  cfg.nr_conventional = 0;
  cfg.max_open = 2;
  testing::EngineFixture f(cfg, "stall" + std::to_string(round) + ".img");
  constexpr uint32_t kJobs = 3, kZonesPerJob = 4, kOpenZone = 31;
  constexpr size_t kBytes = 16384;
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < 2; ++i) workers.push_back(std::make_unique<Worker>(*f.engine));
  std::atomic<uint64_t> progress{0};
  std::atomic<bool> stop{false}, stalled{false};
  std::atomic<uint32_t> errors{0};

  auto run_one = [&](std::mt19937& rng, std::function<void(ZonedQueue&, Waiter&)> op) {
    Waiter w;
    workers[rng() % workers.size()]->submit([&](ZonedQueue& q) { op(q, w); });
    if (!w.wait(std::chrono::seconds(20))) {
      stalled = true;
      return S::kIoError;
    }
    ++progress;
    return w.status;
  };

  std::thread opener([&] {
    std::mt19937 rng(99 + round);
    while (!stop && !stalled) {
      S st = run_one(rng, [](ZonedQueue& q, Waiter& w) {
        q.zone_op(ZoneOp::kOpen, kOpenZone * kZoneSectors, [&w](S s) { w.set(s); });
      });
      if (st != S::kOk) ++errors;
      st = run_one(rng, [](ZonedQueue& q, Waiter& w) {
        q.zone_op(ZoneOp::kClose, kOpenZone * kZoneSectors, [&w](S s) { w.set(s); });
      });
      if (st != S::kOk) ++errors;
    }
  });
  std::vector<std::thread> jobs;
  for (uint32_t j = 0; j < kJobs; ++j) {
    jobs.emplace_back([&, j] {
      std::mt19937 rng(j + 10 * round);
      testing::Buffer data(testing::pattern(0, kBytes, j + 1));
      for (uint32_t i = 0; i < kZonesPerJob && !stalled; ++i) {
        const uint64_t start = (1 + j * 8 + i) * kZoneSectors;
        for (uint64_t s = start; s < start + kCapSectors && !stalled; s += kBytes / 512) {
          S st = run_one(rng, [&, s](ZonedQueue& q, Waiter& w) {
            q.write(s, data.segments(), [&w](S st, uint64_t) { w.set(st); });
          });
          if (st != S::kOk) {
            ++errors;
            ADD_FAILURE() << "write at " << s << ": " << to_string(st);
          }
        }
      }
    });
  }
  for (auto& t : jobs) t.join();
  stop = true;
  opener.join();
  if (stalled) {
    std::string states;
    std::vector<ZoneDescriptor> zones(40);
    f.engine->report_zones(0, ZoneFilter::kAll, zones);
    for (uint32_t z = 0; z < 40; ++z) {
      if (zones[z].cond != ZoneCondition::kEmpty) {
        states += " z" + std::to_string(z) + "=" + std::string(to_string(zones[z].cond));
      }
    }
    auto c = f.engine->resource_counts();
    ADD_FAILURE() << "stalled after " << progress << " requests; open " << c.open << " active " << c.active
                  << ";" << states;
    // The workers cannot be joined while a request is stuck in the engine.
    std::quick_exit(1);
  }
  EXPECT_EQ(errors.load(), 0u) << "round " << round;
}

TEST(ZoneStall, CrossQueueZoneWritersBesideExplicitOpensAllComplete) {
  for (uint32_t round = 0; round < 20 && !HasFailure(); ++round) writers_beside_explicit_opens(round);
}

}  // namespace
}  // namespace zvmm::zoned

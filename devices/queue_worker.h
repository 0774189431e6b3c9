// The device-neutral queue worker: one thread per device queue (a virtio-blk
// virtqueue, an NVMe I/O submission queue) that sleeps in poll() on the
// queue's doorbell eventfd (an ioeventfd), its storage completion fd and a
// stop fd, and runs one service pass per wakeup. It owns the kick-yield policy
// (below); the device owns parsing, submission and interrupts.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "base/event_fd.h"

namespace zvmm::devices {

// Whether a worker woken by a doorbell first waits for the guest to finish
// queueing its burst (the kick wait, queue_worker.cc), so that one pass takes
// it: fewer doorbells (the guest rings only for the first request of a burst:
// the EventIdx it sees was published before the wakeup), fewer passes and
// interrupts. The wait yields the CPU once (a vCPU sharing it runs) and then
// waits while the ring keeps growing.
enum class KickYield : uint8_t {
  kAuto,  // while doorbells bring bursts (see kKickYieldLoneKicks)
  kOn,    // after every doorbell
  kOff,   // never: take the ring at once
};

// KickYield::kAuto stops waiting after this many doorbells in a row that each
// brought one request (a guest with one request in flight, which the wait
// would only delay), and starts again at the first burst (2+ requests).
inline constexpr unsigned kKickYieldLoneKicks = 4;

// The kick wait ends when the ring has not grown for the current gap: twice
// the longest interval between two new requests seen in the last wait that
// saw any, within [kKickGapMin, kKickGapMax] (it adapts to how fast the guest
// queues: a few µs natively, ~100 µs in a nested emulated host). A wait that
// sees no new request leaves the gap as it is (no evidence either way). No
// wait lasts longer than kKickWaitMax.
inline constexpr std::chrono::microseconds kKickGapMin{2};
inline constexpr std::chrono::microseconds kKickGapInitial{50};
inline constexpr std::chrono::microseconds kKickGapMax{400};
inline constexpr std::chrono::microseconds kKickWaitMax{1000};
// ... and it ends as soon as this many requests wait (queue_worker.cc says why).
inline constexpr size_t kKickBatch = 16;

// What a worker serves. All calls come from the worker thread.
class ServicedQueue {
 public:
  virtual ~ServicedQueue() = default;
  // One pass: takes every request the guest made available (as one batch),
  // runs what completed, raises at most one interrupt. Returns how many
  // requests it took from the ring.
  virtual size_t service() = 0;
  // How many requests the guest has made available that no pass has taken
  // yet: a cheap read of the ring's index (virtio avail->idx, the NVMe shadow
  // SQ tail), for the kick wait only. Counts are modulo the ring size; a
  // value that makes no sense is reported as it is (the pass judges it).
  virtual size_t available() = 0;
  // The storage completion fd (ZonedQueue::completion_fd) and its reset.
  virtual int completion_fd() const = 0;
  virtual void consume_signal() = 0;
  // Stops taking requests and waits until none is in flight.
  virtual void quiesce() = 0;
};

// Runs the worker loop on the calling thread: service() once (requests made
// available before activation), then once per doorbell or completion wakeup,
// until `stop_fd` is readable; then quiesce(). Returns only then.
void run_queue_worker(ServicedQueue& queue, const EventFd& doorbell, int stop_fd, KickYield policy);

// The kick wait's gap, learnt across waits (exposed for its unit test).
class KickGap {
 public:
  std::chrono::nanoseconds gap() const { return gap_; }
  // After a wait: the longest interval seen between two new requests, or
  // zero if none arrived while waiting.
  void learn(std::chrono::nanoseconds longest_interval);

 private:
  std::chrono::nanoseconds gap_ = kKickGapInitial;
};

}  // namespace zvmm::devices

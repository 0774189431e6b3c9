// The device-neutral queue worker: one thread per device queue (a virtio-blk
// virtqueue now, an NVMe I/O submission queue next) that sleeps in poll() on
// the queue's doorbell eventfd (an ioeventfd), its storage completion fd and a
// stop fd, and runs one service pass per wakeup. It owns the kick-yield policy
// (below); the device owns parsing, submission and interrupts.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/event_fd.h"

namespace zvmm::devices {

// When a worker woken by a doorbell yields its CPU once before taking the ring,
// so that a vCPU sharing that CPU finishes queueing its burst.
enum class KickYield : uint8_t {
  kAuto,  // while doorbells bring bursts (see kKickYieldLoneKicks)
  kOn,    // after every doorbell
  kOff,   // never: take the ring at once
};

// KickYield::kAuto stops yielding after this many doorbells in a row that each
// brought one request (a guest with one request in flight, which the yield
// would only delay), and starts again at the first burst (2+ requests).
inline constexpr unsigned kKickYieldLoneKicks = 4;

// What a worker serves. All calls come from the worker thread.
class ServicedQueue {
 public:
  virtual ~ServicedQueue() = default;
  // One pass: takes every request the guest made available (as one batch),
  // runs what completed, raises at most one interrupt. Returns how many
  // requests it took from the ring.
  virtual size_t service() = 0;
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

}  // namespace zvmm::devices

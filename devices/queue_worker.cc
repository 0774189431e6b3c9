#include "devices/queue_worker.h"

#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

namespace zvmm::devices {

using std::chrono::nanoseconds;
using std::chrono::steady_clock;

void KickGap::learn(nanoseconds longest_interval) {
  if (longest_interval <= nanoseconds::zero()) return;
  gap_ = std::clamp<nanoseconds>(2 * longest_interval, kKickGapMin, kKickGapMax);
}

namespace {

// The kick wait. The driver rings once for the first request of a burst (the
// event index it saw was published when this worker last went to sleep) and
// keeps adding requests without ringing. A worker that runs at once takes one
// or two requests, completes them and raises an interrupt, and the guest's
// next requests need another doorbell: batches stay small and every request
// pays a share of a VM exit, a wakeup and an interrupt.
// - When the ringing vCPU's thread shares the worker's CPU (an overcommitted
//   host, or the one-CPU emulated KVM host of our tests), sched_yield() lets
//   it finish the burst and halt before the worker takes the ring: measured
//   in the guest, fio 4 KiB random reads at QD32 went from 0.26 to 0.035
//   interrupts per I/O and doubled their IOPS.
// - When the vCPU runs on another CPU, the yield returns at once while the
//   guest is still queueing (measured: 1.46 exits and 0.36 interrupts per I/O
//   at QD32 on a two-CPU emulated host, against QEMU's 0.47 and 0.08). So the
//   worker then watches the ring's available count and waits while it grows,
//   until it has not grown for one gap (KickGap) or kKickWaitMax passed. It
//   naps between looks (a quarter of the gap, at most 20 us, with 1 us timer
//   slack) rather than spinning: a vCPU that shares its CPU gets it, and the
//   measured batches grew (two-CPU emulated host, QD32: 0.40 -> 0.21 exits
//   and 0.11 -> 0.03 interrupts per I/O, 11749 -> 13504 IOPS against
//   sched_yield() between looks). It also ends once kKickBatch requests wait:
//   waiting for a whole QD32 burst runs guest and device in lock step (the
//   device idle while the guest queues, the guest idle while the device
//   works); passes of up to 16 overlap them (same host: 13399 -> 18646 IOPS,
//   0.05 interrupts per I/O; 8 gave 18877 and 0.07).
// A guest with one request in flight has no burst to finish: the wait only
// delays it (QD1 latency 55 -> 320 us with the yield alone). So by default
// (kAuto) the worker waits only while doorbells bring bursts: it stops after
// kKickYieldLoneKicks doorbells in a row that each brought one request, and
// starts again at the first burst.
void kick_wait(ServicedQueue& queue, KickGap& gap) {
  const auto start = steady_clock::now();
  ::sched_yield();
  size_t seen = queue.available();
  auto last_growth = start;
  nanoseconds longest{0};
  for (;;) {
    const auto now = steady_clock::now();
    const size_t n = queue.available();
    if (n >= kKickBatch) break;
    if (n != seen) {
      longest = std::max<nanoseconds>(longest, now - last_growth);
      seen = n;
      last_growth = now;
    } else if (now - last_growth >= gap.gap() || now - start >= kKickWaitMax) {
      break;
    }
    // Sleep a fraction of the gap: the CPU goes to a vCPU sharing it.
    const auto nap = std::min<nanoseconds>(gap.gap() / 4, std::chrono::microseconds(20));
    timespec ts{0, static_cast<long>(nap.count())};
    ::nanosleep(&ts, nullptr);
  }
  gap.learn(longest);
}

}  // namespace

void run_queue_worker(ServicedQueue& queue, const EventFd& doorbell, int stop_fd, KickYield policy) {
  pollfd fds[3] = {{doorbell.fd(), POLLIN, 0}, {queue.completion_fd(), POLLIN, 0}, {stop_fd, POLLIN, 0}};
  unsigned lone_kicks = kKickYieldLoneKicks;  // doorbells in a row that brought one request
  KickGap gap;
  ::prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);  // the kick wait's naps: 1 us slack, not 50
  queue.service();  // requests made available before activation
  for (;;) {
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      std::perror("queue worker: poll");
      break;
    }
    if (fds[2].revents) break;
    if (fds[1].revents) queue.consume_signal();
    if (!fds[0].revents) {
      queue.service();
      continue;
    }
    doorbell.consume();
    if (policy == KickYield::kOn || (policy == KickYield::kAuto && lone_kicks < kKickYieldLoneKicks)) {
      kick_wait(queue, gap);
    }
    const size_t taken = queue.service();
    if (taken >= 2) lone_kicks = 0;
    else if (taken == 1 && lone_kicks < kKickYieldLoneKicks) ++lone_kicks;
    // (0: a completion pass already took the doorbell's requests; no evidence)
  }
  queue.quiesce();
}

}  // namespace zvmm::devices

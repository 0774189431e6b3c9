// When a guest reports its exit status, the bytes it wrote to its console just
// before may still sit in the guest kernel's serial transmit buffer (up to a
// page for Linux's 8250 driver, sent a few bytes per THRE interrupt). zvmm
// therefore keeps the vCPUs running after the status arrives and stops once
// the UART has been quiet (docs/architecture.md, "Stopping"):
//
//   quiet       no transmit activity (Serial::TransmitActivity) for `quiet` and
//               no THRE interrupt pending: the driver's buffer is empty;
//   byte budget more than `byte_budget` bytes sent since the status arrived:
//               whatever was buffered when the guest reported has been sent
//               (a guest that keeps printing would otherwise run to the cap);
//   cap         `cap` has passed since the status arrived (a guest that keeps
//               a THRE interrupt pending without sending, or sends slowly).
//
// decide() is a pure function of two activity snapshots and two times, so the
// rule is unit-tested without clocks or threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>

#include "devices/legacy/serial.h"

namespace zvmm {

struct ConsoleDrainRule {
  // Long enough to cover the gap between the driver acknowledging a THRE
  // interrupt and refilling THR when the vCPU thread is descheduled in the
  // one-CPU emulated KVM host; short enough not to slow a boot noticeably.
  std::chrono::milliseconds quiet{200};
  // Twice Linux's transmit buffer (UART_XMIT_SIZE, one 4 KiB page): the
  // buffer's contents plus a margin for kernel messages printed meanwhile.
  uint64_t byte_budget = 8192;
  // A page at the slowest console rate measured in the emulated KVM host
  // (~0.35 KB/s, zvmm's stdout a pipe to tee) takes ~12 s; Linux itself waits
  // up to 30 s (closing_wait) for a tty to drain.
  std::chrono::milliseconds cap{30'000};
  // How often the main thread looks at the UART while it waits.
  std::chrono::milliseconds poll{10};
};

enum class DrainState {
  kDraining,    // keep the VM running
  kQuiet,       // the UART is idle: stop
  kByteBudget,  // sent more than the budget since the status: stop
  kCap,         // the cap passed: stop
};

std::string_view to_string(DrainState state);

// The UART's activity and the time when the guest reported its exit status:
// taken by the first take_once() (the exit-status hook, on a vCPU thread),
// returned unchanged by every later call (the main thread's wait). Thread safe.
class DrainStart {
 public:
  struct Snapshot {
    Serial::TransmitActivity activity;
    Serial::Clock::time_point time;
  };
  Snapshot take_once(const Serial& serial);

 private:
  std::mutex mutex_;
  std::optional<Snapshot> snapshot_;
};

DrainState decide(const ConsoleDrainRule& rule, const Serial::TransmitActivity& at_status,
                  Serial::Clock::time_point status_time, const Serial::TransmitActivity& now_activity,
                  Serial::Clock::time_point now);

}  // namespace zvmm

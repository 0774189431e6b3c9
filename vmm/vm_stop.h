// Why and with which exit status the VM stops. Any thread (a vCPU exit, a
// device, a signal handler on the event loop) may request a stop; the first
// request wins, and the main thread waits for it.
//
// A request can be deferred (the guest reported its exit status): its reason is
// recorded and wins like any first request, but the vCPUs keep running until
// the main thread's wait() finds the VM ready to stop (the guest's console has
// drained, vmm/console_drain.h) or any later request arrives (a power-off, a
// signal, an error: the deferred reason stays, the stop takes effect at once).
//
// The moment a stop takes effect, the thread that made it so runs the on-effect
// action (set_on_effect: kick every vCPU out of KVM_RUN) before anyone else can
// see the stop through wait(). So a vCPU that leaves its loop at its next exit
// never leaves the others running on: a guest spinning with interrupts off on a
// lock held by a stopped vCPU would otherwise keep its host CPU until the main
// thread's kick, and on the one-CPU emulated KVM host that spin never gives the
// CPU back (docs/testing.md, the freeze).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace zvmm {

struct StopReason {
  int exit_code = 0;
  // One line for stderr (without the "zvmm: " prefix); empty for a quiet stop
  // (the guest reported its own status).
  std::string message;
};

class VmStop {
 public:
  // Records `reason` unless a stop was already requested, and makes the stop
  // take effect. Returns true if this call decided the reason.
  bool request(StopReason reason);
  // Records `reason` unless a stop was already requested, without making the
  // stop take effect. Returns true if this call decided the reason.
  bool request_deferred(StopReason reason);

  // Sets the action run once when the stop takes effect (on the thread whose
  // request, or whose wait(), makes it take effect, outside the lock); if the
  // stop has already taken effect, runs it now. wait() returns only after the
  // action has finished.
  void set_on_effect(std::function<void()> action);

  // True once a stop has taken effect: the vCPUs leave their loops.
  bool requested() const;
  // True while a deferred reason is recorded and has not taken effect.
  bool deferred() const;
  // The recorded reason, in effect or deferred.
  std::optional<StopReason> reason() const;

  // Blocks until a stop takes effect. While a deferred stop is pending it calls
  // `ready` (without the lock held) every `poll` and makes the stop take
  // effect when it returns true.
  StopReason wait(const std::function<bool()>& ready, std::chrono::milliseconds poll);
  // The same with a deferred stop taking effect as soon as it is seen.
  StopReason wait();

 private:
  // Marks the stop in effect and runs the on-effect action if it has not run:
  // unlocks `lock` around it. Returns with `lock` held.
  void take_effect(std::unique_lock<std::mutex>& lock);
  void run_on_effect(std::unique_lock<std::mutex>& lock);

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<StopReason> reason_;
  bool in_effect_ = false;
  std::function<void()> on_effect_;
  bool on_effect_ran_ = false;      // the action has started (it runs once)
  bool on_effect_running_ = false;  // ... and not finished
};

}  // namespace zvmm

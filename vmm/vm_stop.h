// Why and with which exit status the VM stops. Any thread (a vCPU exit, a
// device, a signal handler on the event loop) may request a stop; the first
// request wins, and the main thread waits for it.
#pragma once

#include <condition_variable>
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
  // Records `reason` unless a stop was already requested. Returns true if this
  // call decided the reason.
  bool request(StopReason reason);

  bool requested() const;
  std::optional<StopReason> reason() const;

  // Blocks until a stop is requested.
  StopReason wait() const;

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::optional<StopReason> reason_;
};

}  // namespace zvmm

#include "vmm/vm_stop.h"

namespace zvmm {

bool VmStop::request(StopReason reason) {
  {
    std::lock_guard lock(mutex_);
    if (reason_) return false;
    reason_ = std::move(reason);
  }
  changed_.notify_all();
  return true;
}

bool VmStop::requested() const {
  std::lock_guard lock(mutex_);
  return reason_.has_value();
}

std::optional<StopReason> VmStop::reason() const {
  std::lock_guard lock(mutex_);
  return reason_;
}

StopReason VmStop::wait() const {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return reason_.has_value(); });
  return *reason_;
}

}  // namespace zvmm

#include "vmm/vm_stop.h"

namespace zvmm {

bool VmStop::request(StopReason reason) {
  bool decided = false;
  {
    std::unique_lock lock(mutex_);
    if (in_effect_) return false;
    if (!reason_) {
      reason_ = std::move(reason);
      decided = true;
    }
    take_effect(lock);
  }
  changed_.notify_all();
  return decided;
}

void VmStop::set_on_effect(std::function<void()> action) {
  {
    std::unique_lock lock(mutex_);
    on_effect_ = std::move(action);
    if (in_effect_) run_on_effect(lock);
  }
  changed_.notify_all();
}

void VmStop::take_effect(std::unique_lock<std::mutex>& lock) {
  in_effect_ = true;
  run_on_effect(lock);
}

void VmStop::run_on_effect(std::unique_lock<std::mutex>& lock) {
  if (on_effect_ran_ || !on_effect_) return;
  on_effect_ran_ = on_effect_running_ = true;
  const std::function<void()> action = on_effect_;
  lock.unlock();
  action();
  lock.lock();
  on_effect_running_ = false;
}

bool VmStop::request_deferred(StopReason reason) {
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
  return in_effect_;
}

bool VmStop::deferred() const {
  std::lock_guard lock(mutex_);
  return reason_.has_value() && !in_effect_;
}

std::optional<StopReason> VmStop::reason() const {
  std::lock_guard lock(mutex_);
  return reason_;
}

StopReason VmStop::wait(const std::function<bool()>& ready, std::chrono::milliseconds poll) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return reason_.has_value(); });
  while (!in_effect_) {
    lock.unlock();
    const bool stop_now = ready();
    lock.lock();
    if (stop_now) {
      if (!in_effect_) take_effect(lock);
      break;
    }
    changed_.wait_for(lock, poll, [this] { return in_effect_; });
  }
  changed_.wait(lock, [this] { return !on_effect_running_; });
  return *reason_;
}

StopReason VmStop::wait() {
  return wait([] { return true; }, std::chrono::milliseconds(0));
}

}  // namespace zvmm

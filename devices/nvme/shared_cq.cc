#include "devices/nvme/shared_cq.h"

#include <algorithm>

namespace zvmm::nvme {

size_t SharedCq::flush_backlog_locked() {
  size_t n = 0;
  while (!backlog_.empty() && !ring_.full()) {
    ring_.post(backlog_.front());
    backlog_.pop_front();
    ++n;
  }
  return n;
}

size_t SharedCq::post(std::span<const Cqe> cqes) {
  size_t n = 0;
  std::vector<const EventFd*> wake;
  {
    std::lock_guard lock(mu_);
    ring_.refresh_head();
    n = flush_backlog_locked();
    for (const Cqe& c : cqes) {
      if (backlog_.empty() && !ring_.full()) {
        ring_.post(c);
        ++n;
      } else {
        backlog_.push_back(c);
      }
    }
    if (backlog_.empty()) wake.swap(waiters_);
  }
  for (const EventFd* e : wake) e->signal();
  if (n > 0 && ring_.ien()) irq_.signal(ring_.iv());
  return n;
}

bool SharedCq::head_doorbell(uint32_t value) {
  size_t n = 0;
  std::vector<const EventFd*> wake;
  {
    std::lock_guard lock(mu_);
    if (!ring_.set_head(value)) return false;
    ring_.refresh_head();
    n = flush_backlog_locked();
    wake.swap(waiters_);
  }
  for (const EventFd* e : wake) e->signal();
  if (n > 0 && ring_.ien()) irq_.signal(ring_.iv());
  return true;
}

bool SharedCq::backlogged() {
  size_t n = 0;
  bool backlogged;
  std::vector<const EventFd*> wake;
  {
    std::lock_guard lock(mu_);
    if (backlog_.empty()) return false;
    ring_.refresh_head();
    n = flush_backlog_locked();
    backlogged = !backlog_.empty();
    if (!backlogged) wake.swap(waiters_);
  }
  for (const EventFd* e : wake) e->signal();
  if (n > 0 && ring_.ien()) irq_.signal(ring_.iv());
  return backlogged;
}

void SharedCq::wake_when_room(const EventFd* wake) {
  std::lock_guard lock(mu_);
  if (std::find(waiters_.begin(), waiters_.end(), wake) == waiters_.end()) waiters_.push_back(wake);
}

void SharedCq::forget_waiter(const EventFd* wake) {
  std::lock_guard lock(mu_);
  std::erase(waiters_, wake);
}

void SharedCq::enable_shadow(ShadowSlot slot) {
  std::lock_guard lock(mu_);
  ring_.enable_shadow(slot);
}

uint32_t SharedCq::head() {
  std::lock_guard lock(mu_);
  return ring_.head();
}

uint32_t SharedCq::tail() {
  std::lock_guard lock(mu_);
  return ring_.tail();
}

size_t SharedCq::backlog_size() {
  std::lock_guard lock(mu_);
  return backlog_.size();
}

}  // namespace zvmm::nvme

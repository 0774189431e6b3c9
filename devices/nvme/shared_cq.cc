#include "devices/nvme/shared_cq.h"

#include <algorithm>

namespace zvmm::nvme {

// While completions wait for room the controller needs the host's next head
// update at once: EventIdx asks for the MMIO doorbell. Otherwise the shadow
// head read at the next post is enough, and EventIdx asks for none.
size_t SharedCq::sync_head_locked(std::span<const Cqe> more) {
  ring_.refresh_head(false);
  size_t n = flush_backlog_locked();
  for (const Cqe& c : more) {  // behind the backlog: completions stay in order
    if (backlog_.empty() && !ring_.full()) {
      ring_.post(c);
      ++n;
    } else {
      backlog_.push_back(c);
    }
  }
  if (!backlog_.empty()) n += want_room_locked();
  return n;
}

size_t SharedCq::want_room_locked() {
  ring_.refresh_head(true);
  return flush_backlog_locked();
}

size_t SharedCq::flush_backlog_locked() {
  size_t n = 0;
  while (!backlog_.empty() && !ring_.full()) {
    ring_.post(backlog_.front());
    backlog_.pop_front();
    ++n;
  }
  return n;
}

// Under the lock: forget_waiter() (an SQ being deleted) then guarantees that
// nobody signals its EventFd afterwards.
void SharedCq::wake_waiters_locked() {
  for (const EventFd* e : waiters_) e->signal();
  waiters_.clear();
}

size_t SharedCq::post(std::span<const Cqe> cqes) {
  size_t n = 0;
  {
    std::lock_guard lock(mu_);
    n = sync_head_locked(cqes);
    if (backlog_.empty()) wake_waiters_locked();
  }
  if (n > 0 && ring_.ien()) irq_.signal(ring_.iv());
  return n;
}

bool SharedCq::head_doorbell(uint32_t value) {
  size_t n = 0;
  {
    std::lock_guard lock(mu_);
    if (!ring_.set_head(value)) return false;
    n = sync_head_locked();
    wake_waiters_locked();
  }
  if (n > 0 && ring_.ien()) irq_.signal(ring_.iv());
  return true;
}

bool SharedCq::backlogged(const EventFd* wake) {
  size_t n = 0;
  bool backlogged;
  {
    std::lock_guard lock(mu_);
    if (backlog_.empty()) return false;
    n = sync_head_locked();
    backlogged = !backlog_.empty();
    if (!backlogged) {
      wake_waiters_locked();
    } else if (wake && std::find(waiters_.begin(), waiters_.end(), wake) == waiters_.end()) {
      waiters_.push_back(wake);
    }
  }
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

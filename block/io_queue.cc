#include "block/io_queue.h"

#include <poll.h>

#include <cerrno>
#include <utility>

namespace zvmm::block {

IoQueue::IoQueue() = default;

void IoQueue::notify() { event_fd_.signal(); }

void IoQueue::post(std::function<void()> fn) {
  // Signal while holding the lock: the owner drains `posted_` under the same lock,
  // so it cannot run `fn`, finish, and destroy this queue (closing the eventfd)
  // while another thread is still between the push and the signal. (TSan caught
  // exactly that: a completion posted from another queue's thread racing the
  // owner's ~UringIoQueue.)
  std::lock_guard lock(posted_mu_);
  posted_.push_back(std::move(fn));
  notify();
}

size_t IoQueue::drain_completions() {
  size_t ran = reap_backend();
  // Swap the posted list out for a spare one (no allocation once warmed up).
  std::vector<std::function<void()>> ready;
  ready.swap(spare_);
  {
    std::lock_guard lock(posted_mu_);
    ready.swap(posted_);
  }
  for (auto& fn : ready) fn();
  const size_t posted = ready.size();
  ready.clear();
  if (spare_.capacity() < ready.capacity()) spare_.swap(ready);
  return ran + posted;
}

size_t IoQueue::wait_completions() {
  if (!has_ready()) {
    pollfd pfd{event_fd_.fd(), POLLIN, 0};
    while (::poll(&pfd, 1, -1) < 0 && errno == EINTR) {
    }
    consume_signal();
  }
  return drain_completions();
}

}  // namespace zvmm::block

#include "block/io_queue.h"

#include <poll.h>
#include <sys/eventfd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

namespace zvmm::block {

IoQueue::IoQueue() : event_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (!event_fd_.valid()) {
    throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
  }
}

void IoQueue::notify() {
  uint64_t one = 1;
  // The counter cannot overflow in practice; EAGAIN would mean it is already readable.
  [[maybe_unused]] ssize_t n = ::write(event_fd_.get(), &one, sizeof(one));
}

void IoQueue::post(std::function<void()> fn) {
  {
    std::lock_guard lock(posted_mu_);
    posted_.push_back(std::move(fn));
  }
  notify();
}

size_t IoQueue::drain_completions() {
  uint64_t counter;
  [[maybe_unused]] ssize_t n = ::read(event_fd_.get(), &counter, sizeof(counter));
  size_t ran = reap_backend();
  std::deque<std::function<void()>> ready;
  {
    std::lock_guard lock(posted_mu_);
    ready.swap(posted_);
  }
  for (auto& fn : ready) fn();
  return ran + ready.size();
}

size_t IoQueue::wait_completions() {
  pollfd pfd{event_fd_.get(), POLLIN, 0};
  while (::poll(&pfd, 1, -1) < 0 && errno == EINTR) {
  }
  return drain_completions();
}

}  // namespace zvmm::block

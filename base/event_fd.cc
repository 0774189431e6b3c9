#include "base/event_fd.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "base/eintr.h"

namespace zvmm {

EventFd::EventFd() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (!fd_) throw std::system_error(errno, std::generic_category(), "eventfd");
}

EventFd EventFd::duplicate(const EventFd& other) {
  UniqueFd fd(::fcntl(other.fd(), F_DUPFD_CLOEXEC, 0));
  if (!fd) throw std::system_error(errno, std::generic_category(), "eventfd dup");
  return EventFd(std::move(fd));
}

void EventFd::signal(uint64_t value) const {
  if (retry_on_eintr([&] { return ::write(fd_.get(), &value, sizeof value); }) < 0) {
    throw std::system_error(errno, std::generic_category(), "eventfd write");
  }
}

std::optional<uint64_t> EventFd::consume() const {
  uint64_t value = 0;
  if (retry_on_eintr([&] { return ::read(fd_.get(), &value, sizeof value); }) ==
      static_cast<ssize_t>(sizeof value)) {
    return value;
  }
  if (errno == EAGAIN) return std::nullopt;
  throw std::system_error(errno, std::generic_category(), "eventfd read");
}

}  // namespace zvmm

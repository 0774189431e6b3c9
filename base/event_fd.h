// An owned, non-blocking Linux eventfd (the currency of ioeventfd and irqfd).
#pragma once

#include <cstdint>
#include <optional>
#include <utility>

#include "base/unique_fd.h"

namespace zvmm {

class EventFd {
 public:
  // Throws std::system_error on failure.
  EventFd();

  // A second descriptor of `other`'s eventfd (dup, close-on-exec): signalling
  // either wakes the same waiters, and KVM sees one eventfd (an ioeventfd
  // registered through one is unregistered through the other). It stays
  // valid after `other` is closed. Throws std::system_error.
  static EventFd duplicate(const EventFd& other);

  int fd() const { return fd_.get(); }

  // Adds `value` to the counter (wakes a waiter / injects an irqfd interrupt).
  void signal(uint64_t value = 1) const;

  // Reads and clears the counter; nullopt if it was zero.
  std::optional<uint64_t> consume() const;

 private:
  explicit EventFd(UniqueFd fd) : fd_(std::move(fd)) {}

  UniqueFd fd_;
};

}  // namespace zvmm

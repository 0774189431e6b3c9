// An owned, non-blocking Linux eventfd (the currency of ioeventfd and irqfd).
#pragma once

#include <cstdint>
#include <optional>

#include "base/unique_fd.h"

namespace zvmm {

class EventFd {
 public:
  // Throws std::system_error on failure.
  EventFd();

  int fd() const { return fd_.get(); }

  // Adds `value` to the counter (wakes a waiter / injects an irqfd interrupt).
  void signal(uint64_t value = 1) const;

  // Reads and clears the counter; nullopt if it was zero.
  std::optional<uint64_t> consume() const;

 private:
  UniqueFd fd_;
};

}  // namespace zvmm

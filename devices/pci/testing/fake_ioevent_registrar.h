// A recording IoEventRegistrar for unit tests: keeps what is registered and
// can be told to refuse registrations (as KVM does with EEXIST when two
// ioeventfds claim one address).
#pragma once

#include <cstddef>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include "devices/ioevent.h"

namespace zvmm::testing {

class FakeIoEventRegistrar final : public IoEventRegistrar {
 public:
  struct Entry {
    IoEventAddress address;
    int fd;
    friend bool operator==(const Entry&, const Entry&) = default;
  };

  std::error_code register_ioevent(const IoEventAddress& a, const EventFd& e) override {
    ++register_calls;
    if (fail_all || (fail_after && registered.size() >= *fail_after)) {
      return std::make_error_code(std::errc::file_exists);
    }
    for (const Entry& r : registered) {  // KVM's collision rule, roughly
      const IoEventAddress& b = r.address;
      if (b.space == a.space && b.addr == a.addr &&
          (!b.datamatch || !a.datamatch || *b.datamatch == *a.datamatch)) {
        return std::make_error_code(std::errc::file_exists);
      }
    }
    registered.push_back({a, e.fd()});
    return {};
  }
  std::error_code unregister_ioevent(const IoEventAddress& a, const EventFd& e) override {
    ++unregister_calls;
    for (auto it = registered.begin(); it != registered.end(); ++it) {
      if (it->address == a && it->fd == e.fd()) {
        registered.erase(it);
        return {};
      }
    }
    return std::make_error_code(std::errc::no_such_file_or_directory);  // as KVM
  }

  // The registered addresses (in registration order).
  std::vector<uint64_t> addresses() const {
    std::vector<uint64_t> out;
    for (const Entry& r : registered) out.push_back(r.address.addr);
    return out;
  }
  // The fd registered at `addr`, if any.
  std::optional<int> fd_at(uint64_t addr) const {
    for (const Entry& r : registered) {
      if (r.address.addr == addr) return r.fd;
    }
    return std::nullopt;
  }

  std::vector<Entry> registered;
  bool fail_all = false;
  std::optional<size_t> fail_after;  // refuse once this many are registered
  int register_calls = 0;
  int unregister_calls = 0;
};

}  // namespace zvmm::testing

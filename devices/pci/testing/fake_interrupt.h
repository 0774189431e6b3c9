// A recording InterruptSourceGroup for unit tests.
#pragma once

#include <optional>
#include <vector>

#include "devices/interrupt.h"

namespace zvmm::testing {

class FakeInterruptGroup final : public InterruptSourceGroup {
 public:
  struct Update {
    uint32_t index;
    MsiMessage message;
    bool masked;
  };

  explicit FakeInterruptGroup(uint32_t size) : size_(size) {}

  uint32_t size() const override { return size_; }
  std::error_code trigger(uint32_t index) override {
    if (index >= size_) return std::make_error_code(std::errc::invalid_argument);
    triggers.push_back(index);
    return {};
  }
  std::error_code update(uint32_t index, const MsiMessage& message, bool masked) override {
    if (index >= size_) return std::make_error_code(std::errc::invalid_argument);
    if (fail_updates) return std::make_error_code(std::errc::io_error);
    updates.push_back({index, message, masked});
    return {};
  }
  std::optional<int> notifier_fd(uint32_t) const override { return std::nullopt; }

  std::vector<uint32_t> triggers;
  std::vector<Update> updates;
  bool fail_updates = false;

 private:
  uint32_t size_;
};

}  // namespace zvmm::testing

// The boot-marker port (layout::kBootMarkerPort): the guest's init writes
// layout::kBootMarkerValue when userspace starts; the VMM timestamps it. Other
// values are ignored. Only the first marker is reported.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "vmm/bus.h"

namespace zvmm {

class BootMarkerPort : public BusDevice {
 public:
  explicit BootMarkerPort(std::function<void()> on_marker) : on_marker_(std::move(on_marker)) {}

  void read(uint64_t offset, std::span<uint8_t> data) override;
  void write(uint64_t offset, std::span<const uint8_t> data) override;

 private:
  std::function<void()> on_marker_;
  std::atomic<bool> seen_{false};
};

}  // namespace zvmm

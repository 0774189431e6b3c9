// The exit-status port (layout::kExitStatusPort): the guest writes one byte and
// the VMM exits with it. Same port and width as QEMU's isa-debug-exit device,
// but the status is passed through unchanged.
#pragma once

#include <cstdint>
#include <functional>

#include "vmm/bus.h"

namespace zvmm {

class ExitStatusPort : public BusDevice {
 public:
  explicit ExitStatusPort(std::function<void(uint8_t status)> on_exit)
      : on_exit_(std::move(on_exit)) {}

  void read(uint64_t offset, std::span<uint8_t> data) override;
  // A write of any width reports its first (low) byte.
  void write(uint64_t offset, std::span<const uint8_t> data) override;

 private:
  std::function<void(uint8_t)> on_exit_;
};

}  // namespace zvmm

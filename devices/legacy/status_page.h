// The status registers as an MMIO page (layout::kStatusMmioStart): byte 0 is
// the exit status, byte 1 the boot marker, mirroring ports 0xf4/0xf5 for
// guests whose user-mode port I/O faults (guest-images/tools/zvmm_guest.cc
// writes the page through /dev/mem first, then the port). Reads return 0.
#pragma once

#include <cstdint>
#include <functional>

#include "vmm/bus.h"

namespace zvmm {

class StatusPage : public BusDevice {
 public:
  static constexpr uint64_t kExitStatusOffset = 0;
  static constexpr uint64_t kBootMarkerOffset = 1;

  // `on_boot_marker` runs for every marker write: the caller reports it once
  // (the guest tool also writes the port).
  StatusPage(std::function<void(uint8_t status)> on_exit, std::function<void()> on_boot_marker)
      : on_exit_(std::move(on_exit)), on_boot_marker_(std::move(on_boot_marker)) {}

  void read(uint64_t offset, std::span<uint8_t> data) override;
  void write(uint64_t offset, std::span<const uint8_t> data) override;

 private:
  std::function<void(uint8_t)> on_exit_;
  std::function<void()> on_boot_marker_;
};

}  // namespace zvmm

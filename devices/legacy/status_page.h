// The status registers as an MMIO page (layout::kStatusMmioStart): byte 0 is
// the exit status, byte 1 the boot marker, mirroring ports 0xf4/0xf5 for
// guests whose user-mode port I/O faults (guest-images/tools/zvmm_guest.cc
// writes the page through /dev/mem first, then the port).
//
// Byte 2 reads kExitAckValue once an exit status has been written to the page,
// 0 before; every other byte reads 0. The VMM does not stop at the status write
// but once the guest's console has drained (vmm/console_drain.h), so the guest
// tool reads the acknowledgement and then waits to be stopped instead of
// powering off (which would cut off the console). Under a VMM without the page
// (QEMU) the read returns 0 or 0xff, and the tool goes on as before.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "vmm/bus.h"

namespace zvmm {

class StatusPage : public BusDevice {
 public:
  static constexpr uint64_t kExitStatusOffset = 0;
  static constexpr uint64_t kBootMarkerOffset = 1;
  static constexpr uint64_t kExitAckOffset = 2;
  static constexpr uint8_t kExitAckValue = 0x5a;

  // `on_boot_marker` runs for every marker write: the caller reports it once
  // (the guest tool also writes the port).
  StatusPage(std::function<void(uint8_t status)> on_exit, std::function<void()> on_boot_marker)
      : on_exit_(std::move(on_exit)), on_boot_marker_(std::move(on_boot_marker)) {}

  void read(uint64_t offset, std::span<uint8_t> data) override;
  void write(uint64_t offset, std::span<const uint8_t> data) override;

 private:
  std::function<void(uint8_t)> on_exit_;
  std::function<void()> on_boot_marker_;
  std::atomic<bool> exit_written_{false};
};

}  // namespace zvmm

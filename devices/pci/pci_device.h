// One PCI function as PciRoot sees it. Device models (virtio-blk, NVMe) know
// nothing about PCI: a transport implements this interface around them.
//
// Threading: config accesses arrive on vCPU threads serialised by PciRoot's
// lock. BAR accesses arrive on vCPU threads without any PCI lock (the MMIO bus
// calls read_bar/write_bar directly), so implementations lock what they share.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/event_fd.h"
#include "devices/pci/config_space.h"

namespace zvmm {

// A doorbell: an address inside one of the function's BARs where a guest
// write only has to wake someone up. While the BAR is mapped, PciBarMapper
// registers it as an ioeventfd, so the write signals `event` inside KVM
// without a VM exit to the VMM.
struct PciDoorbell {
  uint8_t bar = 0;
  uint64_t offset = 0;  // inside the BAR
  // Access width to match: 1, 2, 4 or 8; 0 = any width (memory BARs without
  // datamatch only: KVM's fast path, what virtio notify uses).
  uint32_t len = 0;
  std::optional<uint64_t> datamatch = std::nullopt;  // signal only for this value (needs len)
  // Signalled by the write. Owned by the function; must stay valid while the
  // function is plugged (PciRoot keeps it alive).
  const EventFd* event = nullptr;
  friend bool operator==(const PciDoorbell&, const PciDoorbell&) = default;
};

class PciDevice {
 public:
  virtual ~PciDevice() = default;

  // The function's header. PciRoot reads the BARs and command register from it
  // after every config write, and programs BAR addresses at startup.
  virtual PciConfigSpace& config() = 0;

  // Guest config accesses: `offset` < 4096, 1..4 bytes within one dword. The
  // defaults forward to config(); override to observe writes to capabilities
  // (e.g. MSI-X Message Control).
  virtual void read_config(uint16_t offset, std::span<uint8_t> data) { config().read(offset, data); }
  virtual void write_config(uint16_t offset, std::span<const uint8_t> data) {
    config().write(offset, data);
  }

  // Guest accesses to BAR `bar` at `offset` inside it (offset + size <= BAR size).
  // Reads fill all of `data`; registers that do not exist read as zero or all-ones.
  virtual void read_bar(uint8_t bar, uint64_t offset, std::span<uint8_t> data) = 0;
  virtual void write_bar(uint8_t bar, uint64_t offset, std::span<const uint8_t> data) = 0;

  // The function's doorbells. PciBarMapper registers them when their BAR is
  // mapped, moves them with the BAR and unregisters them when it stops
  // decoding or the function is unplugged. A BAR whose doorbells cannot all be
  // registered (KVM refuses one, e.g. EEXIST where the guest placed two BARs)
  // keeps none: its doorbell writes then arrive at write_bar() like any other
  // write, and write_bar() must handle them (signal the same EventFd).
  // Called under PciRoot's lock, so it must not wait for anything that calls
  // into PciRoot. The list may change at run time (NVMe registers I/O queue
  // doorbells once shadow doorbells are on): then call
  // PciRoot::refresh_doorbells(), which brings the registrations in line.
  virtual std::vector<PciDoorbell> doorbells() const { return {}; }

  // The BAR now decodes at `base` (startup, or the guest moved it / enabled
  // decoding). Its doorbells are registered right after this call.
  virtual void bar_mapped(uint8_t bar, uint64_t base) {}
  // The BAR no longer decodes at `base`; its doorbells are already unregistered.
  virtual void bar_unmapped(uint8_t bar, uint64_t base) {}
};

}  // namespace zvmm

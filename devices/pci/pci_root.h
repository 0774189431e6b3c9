// PCI segment 0, bus 0: 32 slots of single-function devices, the host bridge
// at 00:00.0, BAR allocation at startup and BAR mapping on guest writes. The
// two config mechanisms (PciConfigIo for ports 0xcf8-0xcff, PciEcam for the
// MMCONFIG window) are thin BusDevices over config_read()/config_write().
//
// Wiring (the VMM does this once):
//   auto pci = std::make_shared<PciRoot>(mmio_bus, pio_bus, PciWindows::for_guest(ram_bytes),
//                                        ioevents);  // KvmIoEventRegistrar: doorbells
//   pio_bus.insert(std::make_shared<PciConfigIo>(pci), PciConfigIo::kBase, PciConfigIo::kSize);
//   mmio_bus.insert(std::make_shared<PciEcam>(pci), layout::kPciEcamStart, layout::kPciEcamSize);
//   pci->add_device(transport);   // allocates, programs and maps its BARs, registers its doorbells
//
// Thread-safe: config accesses from several vCPUs are serialised.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>

#include "devices/pci/bar_allocator.h"
#include "devices/ioevent.h"
#include "devices/pci/bar_mapper.h"
#include "devices/pci/pci_device.h"
#include "vmm/bus.h"

namespace zvmm {

// Where BARs are placed at startup.
struct PciWindows {
  uint64_t mmio32_start = 0;
  uint64_t mmio32_size = 0;
  uint64_t mmio64_start = 0;
  uint64_t mmio64_size = 0;
  uint64_t io_start = 0;
  uint64_t io_size = 0;

  // The windows of vmm/layout.h for a guest with `ram_bytes` of RAM; I/O BARs
  // go to ports 0xc000-0xffff.
  static PciWindows for_guest(uint64_t ram_bytes);
};

struct PciBdf {
  uint8_t bus = 0;
  uint8_t device = 0;    // 0..31
  uint8_t function = 0;  // 0..7
};

class PciRoot {
 public:
  static constexpr uint8_t kSlots = 32;
  static constexpr uint16_t kConfigSpaceSize = 4096;  // per function, as ECAM exposes it

  // Puts a PciHostBridge at slot 0. Throws PciError if a window is empty.
  // The buses and `ioevents` (which registers the functions' doorbells) must
  // outlive this object.
  // Destruction unregisters every doorbell (the functions are still alive
  // then); BARs stay on the buses, which share ownership of the functions.
  PciRoot(Bus& mmio_bus, Bus& pio_bus, const PciWindows& windows, IoEventRegistrar& ioevents);
  PciRoot(const PciRoot&) = delete;
  PciRoot& operator=(const PciRoot&) = delete;

  // Plugs `device` into `slot` (default: the lowest free one), allocates and
  // programs its BARs, enables decoding as firmware would, and maps the BARs.
  // Returns the slot. Throws PciError (slot taken, windows exhausted, ...).
  uint8_t add_device(std::shared_ptr<PciDevice> device, std::optional<uint8_t> slot = std::nullopt);

  // Guest config access. `reg` < 4096, 1, 2 or 4 bytes not crossing a dword.
  // Absent functions and malformed accesses read all-ones and drop writes.
  void config_read(PciBdf bdf, uint16_t reg, std::span<uint8_t> data);
  void config_write(PciBdf bdf, uint16_t reg, std::span<const uint8_t> data);

  // A plugged function's doorbells() changed: (un)registers the difference
  // (PciBarMapper::refresh_doorbells). Do not call it while holding a lock
  // that the function's doorbells() or config accessors take.
  void refresh_doorbells(const PciDevice& device);

  std::shared_ptr<PciDevice> device(uint8_t slot) const;
  // Current bus address of a device's BAR (nullopt while unmapped).
  std::optional<uint64_t> bar_base(uint8_t slot, uint8_t bar) const;

 private:
  static bool valid_access(uint16_t reg, size_t len);
  std::shared_ptr<PciDevice> find(PciBdf bdf) const;  // caller holds mutex_

  mutable std::mutex mutex_;
  std::array<std::shared_ptr<PciDevice>, kSlots> slots_;
  PciBarMapper mapper_;  // after slots_: its destructor needs the functions' EventFds
  BarAllocator mmio32_;
  BarAllocator mmio64_;
  BarAllocator io_;
};

}  // namespace zvmm

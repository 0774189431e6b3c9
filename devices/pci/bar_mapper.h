// The one place that wires PCI BARs onto the I/O and MMIO buses, and the
// function's doorbells into KVM. After every config write PciRoot calls
// sync(): each BAR whose decoded address changed is removed from its bus and
// inserted at the new address (or left out while the command register
// disables decoding); the device hears about it through
// bar_unmapped()/bar_mapped().
//
// Doorbells (PciDevice::doorbells()) follow their BAR: registered through the
// IoEventRegistrar right after the BAR is mapped, unregistered before it is
// unmapped or moved. Per BAR it is all or nothing: if one registration fails,
// the ones already made for that BAR are rolled back and all of its doorbells
// stay ordinary BAR writes (VM exits the function handles in write_bar), which
// is slower but correct. The next move, or refresh_doorbells(), tries again.
//
// A guest may program BARs that overlap each other or another device; such a
// BAR stays unmapped (and is retried on later syncs) instead of failing.
// Not thread-safe: PciRoot serialises calls.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "devices/ioevent.h"
#include "devices/pci/pci_device.h"
#include "vmm/bus.h"

namespace zvmm {

class PciBarMapper {
 public:
  // The buses and `ioevents` must outlive this object.
  PciBarMapper(Bus& mmio_bus, Bus& pio_bus, IoEventRegistrar& ioevents)
      : mmio_bus_(mmio_bus), pio_bus_(pio_bus), ioevents_(ioevents) {}
  // Unregisters every doorbell still registered, so the EventFds they name
  // must still exist. BARs are left on the buses (which may be going away).
  ~PciBarMapper();
  PciBarMapper(const PciBarMapper&) = delete;
  PciBarMapper& operator=(const PciBarMapper&) = delete;

  void sync(const std::shared_ptr<PciDevice>& device);
  // Removes every BAR of `device` from the buses and unregisters its doorbells.
  void unmap_all(const std::shared_ptr<PciDevice>& device);
  // Re-reads device.doorbells() and brings the registrations of every mapped
  // BAR in line: drops the ones that went away, adds the new ones (with the
  // same all-or-nothing rule), leaves the unchanged ones registered.
  void refresh_doorbells(const PciDevice& device);

  // Where BAR `bar` of `device` is mapped now.
  std::optional<uint64_t> mapped_base(const PciDevice& device, uint8_t bar) const;
  // The ioeventfds registered now for BAR `bar` of `device` (empty while the
  // BAR is unmapped or its doorbells fell back to VM exits).
  std::vector<IoEventAddress> registered_doorbells(const PciDevice& device, uint8_t bar) const;

 private:
  struct Mapping {
    uint64_t base = 0;
    uint64_t size = 0;
    bool io = false;
    friend bool operator==(const Mapping&, const Mapping&) = default;
  };
  struct Registered {
    IoEventAddress address;
    const EventFd* event = nullptr;
    friend bool operator==(const Registered&, const Registered&) = default;
  };
  struct BarState {
    std::optional<Mapping> mapped;
    std::optional<Mapping> refused;  // last placement the bus rejected (for logging once)
    std::vector<Registered> doorbells;  // registered ioeventfds while mapped
  };
  using DeviceState = std::array<BarState, PciConfigSpace::kBarCount>;

  static std::optional<Mapping> wanted(const PciConfigSpace& config, uint8_t bar);
  Bus& bus_for(const Mapping& m) { return m.io ? pio_bus_ : mmio_bus_; }
  // Makes the registrations of mapped BAR `bar` equal `all`'s doorbells in it.
  void apply_doorbells(BarState& state, uint8_t bar, const std::vector<PciDoorbell>& all);
  void unregister_doorbells(BarState& state);
  void unmap(PciDevice& device, uint8_t bar, BarState& state);

  Bus& mmio_bus_;
  Bus& pio_bus_;
  IoEventRegistrar& ioevents_;
  std::map<const PciDevice*, DeviceState> state_;
};

}  // namespace zvmm

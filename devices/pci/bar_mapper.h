// The one place that wires PCI BARs onto the I/O and MMIO buses. After every
// config write PciRoot calls sync(): each BAR whose decoded address changed is
// removed from its bus and inserted at the new address (or left out while the
// command register disables decoding), and the device hears about it through
// bar_unmapped()/bar_mapped() so it can move its ioeventfds.
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

#include "devices/pci/pci_device.h"
#include "vmm/bus.h"

namespace zvmm {

class PciBarMapper {
 public:
  PciBarMapper(Bus& mmio_bus, Bus& pio_bus) : mmio_bus_(mmio_bus), pio_bus_(pio_bus) {}

  void sync(const std::shared_ptr<PciDevice>& device);
  // Removes every BAR of `device` from the buses.
  void unmap_all(const std::shared_ptr<PciDevice>& device);

  // Where BAR `bar` of `device` is mapped now.
  std::optional<uint64_t> mapped_base(const PciDevice& device, uint8_t bar) const;

 private:
  struct Mapping {
    uint64_t base = 0;
    uint64_t size = 0;
    bool io = false;
    friend bool operator==(const Mapping&, const Mapping&) = default;
  };
  struct BarState {
    std::optional<Mapping> mapped;
    std::optional<Mapping> refused;  // last placement the bus rejected (for logging once)
  };
  using DeviceState = std::array<BarState, PciConfigSpace::kBarCount>;

  static std::optional<Mapping> wanted(const PciConfigSpace& config, uint8_t bar);
  Bus& bus_for(const Mapping& m) { return m.io ? pio_bus_ : mmio_bus_; }

  Bus& mmio_bus_;
  Bus& pio_bus_;
  std::map<const PciDevice*, DeviceState> state_;
};

}  // namespace zvmm

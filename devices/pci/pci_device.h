// One PCI function as PciRoot sees it. Device models (virtio-blk, NVMe) know
// nothing about PCI: a transport implements this interface around them.
//
// Threading: config accesses arrive on vCPU threads serialised by PciRoot's
// lock. BAR accesses arrive on vCPU threads without any PCI lock (the MMIO bus
// calls read_bar/write_bar directly), so implementations lock what they share.
#pragma once

#include <cstdint>
#include <span>

#include "devices/pci/config_space.h"

namespace zvmm {

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

  // The BAR now decodes at `base` (startup, or the guest moved it / enabled
  // decoding): the place to register ioeventfds for doorbells inside it.
  virtual void bar_mapped(uint8_t bar, uint64_t base) {}
  // The BAR no longer decodes at `base`: unregister what bar_mapped registered.
  virtual void bar_unmapped(uint8_t bar, uint64_t base) {}
};

}  // namespace zvmm

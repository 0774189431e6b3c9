// PCI Express enhanced configuration access (ECAM / MMCONFIG): 4 KiB of
// config space per function at bus << 20 | device << 15 | function << 12.
// Insert at layout::kPciEcamStart with size layout::kPciEcamSize on the MMIO bus.
#pragma once

#include <algorithm>
#include <memory>

#include "devices/pci/pci_root.h"
#include "vmm/bus.h"

namespace zvmm {

class PciEcam final : public BusDevice {
 public:
  explicit PciEcam(std::shared_ptr<PciRoot> root) : root_(std::move(root)) {}

  static PciBdf bdf(uint64_t offset) {
    return PciBdf{.bus = static_cast<uint8_t>(offset >> 20),
                  .device = static_cast<uint8_t>((offset >> 15) & 0x1f),
                  .function = static_cast<uint8_t>((offset >> 12) & 0x7)};
  }
  static uint16_t reg(uint64_t offset) { return offset & 0xfff; }

  void read(uint64_t offset, std::span<uint8_t> data) override {
    if (offset >> 28) {  // beyond 256 buses
      std::fill(data.begin(), data.end(), 0xff);
      return;
    }
    root_->config_read(bdf(offset), reg(offset), data);
  }
  void write(uint64_t offset, std::span<const uint8_t> data) override {
    if (offset >> 28) return;
    root_->config_write(bdf(offset), reg(offset), data);
  }

 private:
  std::shared_ptr<PciRoot> root_;
};

}  // namespace zvmm

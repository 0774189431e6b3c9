// The host bridge at 00:00.0: no BARs, class 0x0600. Linux's type-1 probe
// (arch/x86/pci/direct.c pci_sanity_check) looks for exactly this class on bus 0.
#pragma once

#include "devices/pci/pci_device.h"

namespace zvmm {

class PciHostBridge final : public PciDevice {
 public:
  // Red Hat's "QEMU PCIe host bridge" id: a registered id for a virtual host
  // bridge that Linux binds no driver or quirk to.
  static constexpr uint16_t kVendorId = 0x1b36;
  static constexpr uint16_t kDeviceId = 0x0008;
  static constexpr uint32_t kClassCode = 0x060000;  // bridge / host / -

  PciHostBridge();

  PciConfigSpace& config() override { return config_; }
  void read_bar(uint8_t bar, uint64_t offset, std::span<uint8_t> data) override;
  void write_bar(uint8_t bar, uint64_t offset, std::span<const uint8_t> data) override {}

 private:
  PciConfigSpace config_;
};

}  // namespace zvmm

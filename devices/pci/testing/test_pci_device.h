// A small PCI function for tests (not shipped): a 64-bit BAR0 with registers
// and the MSI-X table/PBA of two vectors, a 32-bit BAR2 and an I/O BAR4.
//
// BAR0 layout: 0x00 scratch (RW dword), 0x04 magic (RO), 0x08 doorbell (a
// write of N raises MSI-X vector N), 0x2000 MSI-X table, 0x3000 PBA.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "devices/interrupt.h"
#include "devices/pci/msix.h"
#include "devices/pci/pci_device.h"

namespace zvmm::testing {

class TestPciDevice final : public PciDevice {
 public:
  static constexpr uint16_t kVendorId = 0x1b36;
  static constexpr uint16_t kDeviceId = 0x0005;  // "QEMU PCI test device"
  static constexpr uint64_t kBar0Size = 0x4000;
  static constexpr uint64_t kBar2Size = 0x1000;
  static constexpr uint64_t kBar4Size = 0x10;
  static constexpr uint64_t kScratch = 0x0;
  static constexpr uint64_t kMagic = 0x4;
  static constexpr uint64_t kDoorbell = 0x8;
  static constexpr uint32_t kMagicValue = 0x7e57ddd0;
  static constexpr uint32_t kTableOffset = 0x2000;
  static constexpr uint32_t kPbaOffset = 0x3000;
  static constexpr uint16_t kVectors = 2;

  explicit TestPciDevice(std::shared_ptr<InterruptSourceGroup> group);

  PciConfigSpace& config() override { return config_; }
  void write_config(uint16_t offset, std::span<const uint8_t> data) override;
  void read_bar(uint8_t bar, uint64_t offset, std::span<uint8_t> data) override;
  void write_bar(uint8_t bar, uint64_t offset, std::span<const uint8_t> data) override;
  void bar_mapped(uint8_t bar, uint64_t base) override { events.push_back({bar, base, true}); }
  void bar_unmapped(uint8_t bar, uint64_t base) override { events.push_back({bar, base, false}); }
  std::vector<PciDoorbell> doorbells() const override { return doorbell_list; }

  MsixTable& msix() { return msix_.table(); }
  uint8_t msix_offset() const { return msix_.capability_offset(); }

  struct BarEvent {
    uint8_t bar;
    uint64_t base;
    bool mapped;
    friend bool operator==(const BarEvent&, const BarEvent&) = default;
  };
  std::vector<BarEvent> events;
  std::vector<std::pair<uint8_t, uint64_t>> other_writes;  // (bar, offset) of BAR2/BAR4 writes
  std::vector<PciDoorbell> doorbell_list;                   // what doorbells() returns

 private:
  PciConfigSpace config_;
  Msix msix_;
  std::mutex mutex_;
  uint32_t scratch_ = 0;
};

}  // namespace zvmm::testing

// PCI configuration mechanism #1: the address register at port 0xcf8 (dword
// access only) and the data window at 0xcfc-0xcff (byte, word or dword).
// Insert at PciConfigIo::kBase with size kSize on the port I/O bus.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include "devices/pci/pci_root.h"
#include "vmm/bus.h"

namespace zvmm {

class PciConfigIo final : public BusDevice {
 public:
  static constexpr uint64_t kBase = 0xcf8;
  static constexpr uint64_t kSize = 8;
  static constexpr uint32_t kEnable = 1u << 31;

  explicit PciConfigIo(std::shared_ptr<PciRoot> root) : root_(std::move(root)) {}

  void read(uint64_t offset, std::span<uint8_t> data) override;
  void write(uint64_t offset, std::span<const uint8_t> data) override;

 private:
  // The target of a data-window access at `offset` (4..7), or nullopt if the
  // enable bit is clear.
  std::optional<std::pair<PciBdf, uint16_t>> target(uint64_t offset) const;

  std::shared_ptr<PciRoot> root_;
  mutable std::mutex mutex_;
  uint32_t address_ = 0;
};

}  // namespace zvmm

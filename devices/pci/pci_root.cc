#include "devices/pci/pci_root.h"

#include <algorithm>
#include <string>
#include <vector>

#include "devices/pci/host_bridge.h"
#include "devices/pci/pci_error.h"
#include "base/hex.h"
#include "vmm/layout.h"

namespace zvmm {

namespace {
constexpr uint64_t kPciIoStart = 0xc000;
constexpr uint64_t kPciIoSize = 0x4000;
}  // namespace

PciWindows PciWindows::for_guest(uint64_t ram_bytes) {
  return PciWindows{
      .mmio32_start = layout::kPciMmio32Start,
      .mmio32_size = layout::kPciMmio32Size,
      .mmio64_start = layout::pci_mmio64_start(ram_bytes),
      .mmio64_size = layout::kPciMmio64Size,
      .io_start = kPciIoStart,
      .io_size = kPciIoSize,
  };
}

PciRoot::PciRoot(Bus& mmio_bus, Bus& pio_bus, const PciWindows& windows,
                 IoEventRegistrar& ioevents)
    : mapper_(mmio_bus, pio_bus, ioevents),
      mmio32_(windows.mmio32_start, windows.mmio32_size),
      mmio64_(windows.mmio64_start, windows.mmio64_size),
      io_(windows.io_start, windows.io_size) {
  slots_[0] = std::make_shared<PciHostBridge>();
}

uint8_t PciRoot::add_device(std::shared_ptr<PciDevice> device, std::optional<uint8_t> slot) {
  if (!device) throw PciError("add_device: null device");
  std::lock_guard lock(mutex_);
  if (!slot) {
    auto free = std::find(slots_.begin(), slots_.end(), nullptr);
    if (free == slots_.end()) throw PciError("add_device: all 32 slots on bus 0 are taken");
    slot = static_cast<uint8_t>(free - slots_.begin());
  }
  if (*slot >= kSlots || slots_[*slot]) {
    throw PciError("add_device: slot " + std::to_string(*slot) + " is taken or out of range");
  }

  PciConfigSpace& config = device->config();
  struct Placed {
    BarAllocator* window;
    uint64_t base;
  };
  std::vector<Placed> placed;
  auto undo = [&] {
    for (const Placed& p : placed) p.window->free(p.base);
  };
  uint16_t decode = 0;
  try {
    for (uint8_t bar = 0; bar < PciConfigSpace::kBarCount; ++bar) {
      const auto spec = config.bar(bar);
      if (!spec) continue;
      BarAllocator& window = spec->kind == PciBarKind::kIo      ? io_
                             : spec->kind == PciBarKind::kMem64 ? mmio64_
                                                                : mmio32_;
      const auto base = window.allocate(spec->size);
      if (!base) {
        throw PciError("add_device: slot " + std::to_string(*slot) + " BAR" +
                       std::to_string(bar) + ": no room for " + std::to_string(spec->size) +
                       " bytes in the PCI window at " + hex(window.start()));
      }
      placed.push_back({&window, *base});
      config.set_bar_address(bar, *base);
      decode |= spec->kind == PciBarKind::kIo ? pci_reg::kCommandIo : pci_reg::kCommandMemory;
    }
  } catch (...) {
    undo();
    throw;
  }
  config.set16(pci_reg::kCommand, config.command() | decode);
  slots_[*slot] = device;
  mapper_.sync(device);
  return *slot;
}

bool PciRoot::valid_access(uint16_t reg, size_t len) {
  return (len == 1 || len == 2 || len == 4) && reg < kConfigSpaceSize && (reg & 3) + len <= 4;
}

std::shared_ptr<PciDevice> PciRoot::find(PciBdf bdf) const {
  if (bdf.bus != 0 || bdf.device >= kSlots || bdf.function != 0) return nullptr;
  return slots_[bdf.device];
}

void PciRoot::config_read(PciBdf bdf, uint16_t reg, std::span<uint8_t> data) {
  std::fill(data.begin(), data.end(), 0xff);
  if (!valid_access(reg, data.size())) return;
  std::lock_guard lock(mutex_);
  if (auto dev = find(bdf)) dev->read_config(reg, data);
}

void PciRoot::config_write(PciBdf bdf, uint16_t reg, std::span<const uint8_t> data) {
  if (!valid_access(reg, data.size())) return;
  std::lock_guard lock(mutex_);
  auto dev = find(bdf);
  if (!dev) return;
  dev->write_config(reg, data);
  mapper_.sync(dev);
}

void PciRoot::refresh_doorbells(const PciDevice& device) {
  std::lock_guard lock(mutex_);
  mapper_.refresh_doorbells(device);
}

std::shared_ptr<PciDevice> PciRoot::device(uint8_t slot) const {
  std::lock_guard lock(mutex_);
  return slot < kSlots ? slots_[slot] : nullptr;
}

std::optional<uint64_t> PciRoot::bar_base(uint8_t slot, uint8_t bar) const {
  std::lock_guard lock(mutex_);
  if (slot >= kSlots || !slots_[slot]) return std::nullopt;
  return mapper_.mapped_base(*slots_[slot], bar);
}

}  // namespace zvmm

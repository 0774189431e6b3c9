#include "devices/pci/bar_mapper.h"

#include <cstdio>

namespace zvmm {

namespace {

// A BAR as a bus device: forwards accesses to the PCI device with the BAR index.
class PciBarRegion final : public BusDevice {
 public:
  PciBarRegion(std::shared_ptr<PciDevice> device, uint8_t bar)
      : device_(std::move(device)), bar_(bar) {}
  void read(uint64_t offset, std::span<uint8_t> data) override {
    device_->read_bar(bar_, offset, data);
  }
  void write(uint64_t offset, std::span<const uint8_t> data) override {
    device_->write_bar(bar_, offset, data);
  }

 private:
  std::shared_ptr<PciDevice> device_;
  uint8_t bar_;
};

constexpr uint64_t kIoSpaceEnd = 0x10000;

}  // namespace

std::optional<PciBarMapper::Mapping> PciBarMapper::wanted(const PciConfigSpace& config,
                                                          uint8_t bar) {
  const auto spec = config.bar(bar);
  if (!spec) return std::nullopt;
  const uint64_t base = config.bar_address(bar);
  if (base == 0) return std::nullopt;  // unprogrammed
  if (spec->kind == PciBarKind::kIo) {
    if (!config.io_enabled() || base + spec->size > kIoSpaceEnd) return std::nullopt;
    return Mapping{base, spec->size, true};
  }
  if (!config.memory_enabled() || base + spec->size <= base) return std::nullopt;  // wraps
  return Mapping{base, spec->size, false};
}

void PciBarMapper::sync(const std::shared_ptr<PciDevice>& device) {
  DeviceState& state = state_[device.get()];
  std::array<std::optional<Mapping>, PciConfigSpace::kBarCount> want;
  for (uint8_t bar = 0; bar < PciConfigSpace::kBarCount; ++bar) {
    want[bar] = wanted(device->config(), bar);
  }
  // Unmap first so BARs that trade places do not collide with their old selves.
  for (uint8_t bar = 0; bar < PciConfigSpace::kBarCount; ++bar) {
    auto& mapped = state[bar].mapped;
    if (mapped && mapped != want[bar]) {
      bus_for(*mapped).remove(mapped->base);
      device->bar_unmapped(bar, mapped->base);
      mapped.reset();
    }
  }
  for (uint8_t bar = 0; bar < PciConfigSpace::kBarCount; ++bar) {
    BarState& s = state[bar];
    if (!want[bar]) s.refused.reset();
    if (!want[bar] || s.mapped) continue;
    const Mapping& m = *want[bar];
    try {
      bus_for(m).insert(std::make_shared<PciBarRegion>(device, bar), m.base, m.size);
    } catch (const BusError& e) {
      if (s.refused != m) {
        std::fprintf(stderr, "zvmm: pci: BAR%u left unmapped: %s\n", bar, e.what());
        s.refused = m;
      }
      continue;
    }
    s.refused.reset();
    s.mapped = m;
    device->bar_mapped(bar, m.base);
  }
}

void PciBarMapper::unmap_all(const std::shared_ptr<PciDevice>& device) {
  auto it = state_.find(device.get());
  if (it == state_.end()) return;
  for (uint8_t bar = 0; bar < PciConfigSpace::kBarCount; ++bar) {
    if (auto& mapped = it->second[bar].mapped) {
      bus_for(*mapped).remove(mapped->base);
      device->bar_unmapped(bar, mapped->base);
    }
  }
  state_.erase(it);
}

std::optional<uint64_t> PciBarMapper::mapped_base(const PciDevice& device, uint8_t bar) const {
  auto it = state_.find(&device);
  if (it == state_.end() || bar >= PciConfigSpace::kBarCount || !it->second[bar].mapped) {
    return std::nullopt;
  }
  return it->second[bar].mapped->base;
}

}  // namespace zvmm

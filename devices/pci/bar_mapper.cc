#include "devices/pci/bar_mapper.h"

#include <algorithm>
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

PciBarMapper::~PciBarMapper() {
  for (auto& [device, bars] : state_) {
    for (BarState& s : bars) unregister_doorbells(s);
  }
}

void PciBarMapper::sync(const std::shared_ptr<PciDevice>& device) {
  DeviceState& state = state_[device.get()];
  std::array<std::optional<Mapping>, PciConfigSpace::kBarCount> want;
  for (uint8_t bar = 0; bar < PciConfigSpace::kBarCount; ++bar) {
    want[bar] = wanted(device->config(), bar);
  }
  // Unmap first so BARs that trade places do not collide with their old selves.
  for (uint8_t bar = 0; bar < PciConfigSpace::kBarCount; ++bar) {
    if (state[bar].mapped && state[bar].mapped != want[bar]) unmap(*device, bar, state[bar]);
  }
  std::optional<std::vector<PciDoorbell>> doorbells;  // asked for once, if a BAR gets mapped
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
    if (!doorbells) doorbells = device->doorbells();
    apply_doorbells(s, bar, *doorbells);
  }
}

void PciBarMapper::unmap(PciDevice& device, uint8_t bar, BarState& state) {
  // Doorbells first: from here on their writes reach write_bar until the
  // region goes too.
  unregister_doorbells(state);
  bus_for(*state.mapped).remove(state.mapped->base);
  const uint64_t base = state.mapped->base;
  state.mapped.reset();
  device.bar_unmapped(bar, base);
}

void PciBarMapper::apply_doorbells(BarState& state, uint8_t bar,
                                   const std::vector<PciDoorbell>& all) {
  const Mapping& m = *state.mapped;
  std::vector<Registered> want;
  std::optional<uint64_t> malformed;  // offset of a doorbell that cannot be registered
  for (const PciDoorbell& d : all) {
    if (d.bar != bar) continue;
    const uint64_t width = d.len ? d.len : 1;
    if (!d.event || d.offset >= m.size || width > m.size - d.offset) {
      malformed = d.offset;
      continue;
    }
    want.push_back({{m.io ? IoEventSpace::kPio : IoEventSpace::kMmio, m.base + d.offset, d.len,
                     d.datamatch},
                    d.event});
  }
  auto fall_back = [&](uint64_t addr, const std::error_code& ec) {
    std::fprintf(stderr,
                 "zvmm: pci: ioeventfd for the doorbell at %#llx: %s; the doorbells of BAR%u "
                 "at %#llx stay VM exits\n",
                 static_cast<unsigned long long>(addr), ec.message().c_str(), bar,
                 static_cast<unsigned long long>(m.base));
    unregister_doorbells(state);
  };
  if (malformed) {
    fall_back(m.base + *malformed, std::make_error_code(std::errc::invalid_argument));
    return;
  }
  auto wanted_now = [&](const Registered& r) {
    return std::find(want.begin(), want.end(), r) != want.end();
  };
  // Drop what is no longer listed before adding (an address may change its EventFd).
  std::vector<Registered> kept;
  for (const Registered& r : state.doorbells) {
    if (wanted_now(r)) {
      kept.push_back(r);
    } else if (auto ec = ioevents_.unregister_ioevent(r.address, *r.event)) {
      std::fprintf(stderr, "zvmm: pci: removing the ioeventfd at %#llx: %s\n",
                   static_cast<unsigned long long>(r.address.addr), ec.message().c_str());
    }
  }
  state.doorbells = std::move(kept);
  for (const Registered& w : want) {
    if (std::find(state.doorbells.begin(), state.doorbells.end(), w) != state.doorbells.end()) {
      continue;
    }
    if (auto ec = ioevents_.register_ioevent(w.address, *w.event)) {
      fall_back(w.address.addr, ec);  // rolls back this BAR's registrations
      return;
    }
    state.doorbells.push_back(w);
  }
}

void PciBarMapper::unregister_doorbells(BarState& state) {
  for (auto it = state.doorbells.rbegin(); it != state.doorbells.rend(); ++it) {
    if (auto ec = ioevents_.unregister_ioevent(it->address, *it->event)) {
      std::fprintf(stderr, "zvmm: pci: removing the ioeventfd at %#llx: %s\n",
                   static_cast<unsigned long long>(it->address.addr), ec.message().c_str());
    }
  }
  state.doorbells.clear();
}

void PciBarMapper::refresh_doorbells(const PciDevice& device) {
  auto it = state_.find(&device);
  if (it == state_.end()) return;
  std::optional<std::vector<PciDoorbell>> doorbells;
  for (uint8_t bar = 0; bar < PciConfigSpace::kBarCount; ++bar) {
    BarState& s = it->second[bar];
    if (!s.mapped) continue;
    if (!doorbells) doorbells = device.doorbells();
    apply_doorbells(s, bar, *doorbells);
  }
}

void PciBarMapper::unmap_all(const std::shared_ptr<PciDevice>& device) {
  auto it = state_.find(device.get());
  if (it == state_.end()) return;
  for (uint8_t bar = 0; bar < PciConfigSpace::kBarCount; ++bar) {
    if (it->second[bar].mapped) unmap(*device, bar, it->second[bar]);
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

std::vector<IoEventAddress> PciBarMapper::registered_doorbells(const PciDevice& device,
                                                               uint8_t bar) const {
  std::vector<IoEventAddress> out;
  auto it = state_.find(&device);
  if (it == state_.end() || bar >= PciConfigSpace::kBarCount) return out;
  for (const Registered& r : it->second[bar].doorbells) out.push_back(r.address);
  return out;
}

}  // namespace zvmm

#include "devices/pci/config_space.h"

#include <bit>
#include <string>

#include "devices/pci/pci_error.h"
#include "base/le.h"

namespace zvmm {

namespace {

constexpr uint32_t kBarMemory64 = 0x4;
constexpr uint32_t kBarPrefetchable = 0x8;
constexpr uint32_t kBarIo = 0x1;

// Writable command bits: I/O, memory, bus master, parity response, SERR, INTx disable.
constexpr uint16_t kCommandWritable = 0x0547;

uint16_t bar_offset(uint8_t index) { return pci_reg::kBar0 + 4 * index; }

std::string bar_name(uint8_t index) { return "BAR" + std::to_string(index); }

}  // namespace

PciConfigSpace::PciConfigSpace(const PciIds& ids) {
  set16(pci_reg::kVendorId, ids.vendor);
  set16(pci_reg::kDeviceId, ids.device);
  bytes_[pci_reg::kRevision] = ids.revision;
  bytes_[pci_reg::kClassCode] = static_cast<uint8_t>(ids.class_code);
  bytes_[pci_reg::kClassCode + 1] = static_cast<uint8_t>(ids.class_code >> 8);
  bytes_[pci_reg::kClassCode + 2] = static_cast<uint8_t>(ids.class_code >> 16);
  set16(pci_reg::kSubsystemVendorId, ids.subsystem_vendor);
  set16(pci_reg::kSubsystemId, ids.subsystem);
  bytes_[pci_reg::kHeaderType] = 0;  // type 0, single function

  set_mask16(pci_reg::kCommand, kCommandWritable);
  write_mask_[pci_reg::kCacheLineSize] = 0xff;
  write_mask_[pci_reg::kLatencyTimer] = 0xff;
  write_mask_[pci_reg::kInterruptLine] = 0xff;
}

void PciConfigSpace::add_bar(uint8_t index, const PciBarSpec& spec) {
  const bool is64 = spec.kind == PciBarKind::kMem64;
  if (index >= kBarCount || (is64 && index + 1 >= kBarCount)) {
    throw PciError(bar_name(index) + ": no such BAR" + (is64 ? " for a 64-bit BAR" : ""));
  }
  if (bars_[index] || (index > 0 && bars_[index - 1] &&
                       bars_[index - 1]->kind == PciBarKind::kMem64) ||
      (is64 && bars_[index + 1])) {
    throw PciError(bar_name(index) + ": already declared");
  }
  if (!std::has_single_bit(spec.size)) {
    throw PciError(bar_name(index) + ": size " + std::to_string(spec.size) +
                   " is not a power of two");
  }
  const uint64_t mask = ~(spec.size - 1);
  switch (spec.kind) {
    case PciBarKind::kIo:
      if (spec.size < 4 || spec.size > 256) {
        throw PciError(bar_name(index) + ": I/O BAR size must be 4..256 bytes");
      }
      set32(bar_offset(index), kBarIo);
      set_mask32(bar_offset(index), static_cast<uint32_t>(mask) & 0xfffc);
      break;
    case PciBarKind::kMem32:
      if (spec.size < 16 || spec.size > (1ull << 31)) {
        throw PciError(bar_name(index) + ": 32-bit BAR size must be 16 bytes..2 GiB");
      }
      set32(bar_offset(index), spec.prefetchable ? kBarPrefetchable : 0);
      set_mask32(bar_offset(index), static_cast<uint32_t>(mask) & ~0xfu);
      break;
    case PciBarKind::kMem64:
      if (spec.size < 16 || spec.size > (1ull << 62)) {
        throw PciError(bar_name(index) + ": 64-bit BAR size must be 16 bytes..4 EiB");
      }
      set32(bar_offset(index), kBarMemory64 | (spec.prefetchable ? kBarPrefetchable : 0));
      set_mask32(bar_offset(index), static_cast<uint32_t>(mask) & ~0xfu);
      set32(bar_offset(index + 1), 0);
      set_mask32(bar_offset(index + 1), static_cast<uint32_t>(mask >> 32));
      break;
  }
  bars_[index] = spec;
}

uint8_t PciConfigSpace::add_capability(uint8_t id, std::span<const uint8_t> body,
                                       std::span<const uint8_t> body_write_mask) {
  if (!body_write_mask.empty() && body_write_mask.size() != body.size()) {
    throw PciError("capability " + std::to_string(id) + ": write mask length mismatch");
  }
  const uint16_t offset = next_capability_;
  const uint16_t end = offset + 2 + body.size();
  if (end > kSize) {
    throw PciError("capability " + std::to_string(id) + ": no room in config space (needs " +
                   std::to_string(2 + body.size()) + " bytes at " + std::to_string(offset) + ")");
  }
  bytes_[offset] = id;
  bytes_[offset + 1] = 0;  // end of chain
  for (size_t i = 0; i < body.size(); ++i) {
    bytes_[offset + 2 + i] = body[i];
    write_mask_[offset + 2 + i] = body_write_mask.empty() ? 0 : body_write_mask[i];
  }
  if (last_capability_ == 0) {
    bytes_[pci_reg::kCapabilitiesPointer] = static_cast<uint8_t>(offset);
  } else {
    bytes_[last_capability_ + 1] = static_cast<uint8_t>(offset);
  }
  set16(pci_reg::kStatus, read16(pci_reg::kStatus) | pci_reg::kStatusCapabilitiesList);
  last_capability_ = static_cast<uint8_t>(offset);
  next_capability_ = (end + 3) & ~3u;
  return static_cast<uint8_t>(offset);
}

void PciConfigSpace::set_interrupt_pin(uint8_t pin) { bytes_[pci_reg::kInterruptPin] = pin; }

void PciConfigSpace::read(uint16_t offset, std::span<uint8_t> data) const {
  for (size_t i = 0; i < data.size(); ++i) {
    const size_t at = size_t{offset} + i;
    data[i] = at < kSize ? bytes_[at] : 0;
  }
}

void PciConfigSpace::write(uint16_t offset, std::span<const uint8_t> data) {
  for (size_t i = 0; i < data.size(); ++i) {
    const size_t at = size_t{offset} + i;
    if (at >= kSize) break;
    bytes_[at] = static_cast<uint8_t>((bytes_[at] & ~write_mask_[at]) | (data[i] & write_mask_[at]));
  }
}

uint8_t PciConfigSpace::read8(uint16_t offset) const { return offset < kSize ? bytes_[offset] : 0; }

uint16_t PciConfigSpace::read16(uint16_t offset) const {
  uint8_t b[2];
  read(offset, b);
  return load_le<uint16_t>(b);
}

uint32_t PciConfigSpace::read32(uint16_t offset) const {
  uint8_t b[4];
  read(offset, b);
  return load_le<uint32_t>(b);
}

void PciConfigSpace::set16(uint16_t offset, uint16_t value) { store_le(std::span(bytes_), offset, value); }

void PciConfigSpace::set32(uint16_t offset, uint32_t value) { store_le(std::span(bytes_), offset, value); }

void PciConfigSpace::set_mask16(uint16_t offset, uint16_t mask) {
  store_le(std::span(write_mask_), offset, mask);
}

void PciConfigSpace::set_mask32(uint16_t offset, uint32_t mask) {
  store_le(std::span(write_mask_), offset, mask);
}

std::optional<PciBarSpec> PciConfigSpace::bar(uint8_t index) const {
  return index < kBarCount ? bars_[index] : std::nullopt;
}

uint64_t PciConfigSpace::bar_address(uint8_t index) const {
  const auto spec = bar(index);
  if (!spec) return 0;
  const uint32_t low = read32(bar_offset(index));
  switch (spec->kind) {
    case PciBarKind::kIo:
      return low & ~0x3u;
    case PciBarKind::kMem32:
      return low & ~0xfu;
    case PciBarKind::kMem64:
      return (uint64_t{read32(bar_offset(index + 1))} << 32) | (low & ~0xfu);
  }
  return 0;
}

void PciConfigSpace::set_bar_address(uint8_t index, uint64_t address) {
  const auto spec = bar(index);
  if (!spec) throw PciError(bar_name(index) + ": not declared");
  if (address & (spec->size - 1)) {
    throw PciError(bar_name(index) + ": address not aligned to the BAR size");
  }
  const bool fits = spec->kind == PciBarKind::kMem64 ? true
                    : spec->kind == PciBarKind::kIo  ? address + spec->size <= 0x10000
                                                     : address + spec->size <= (1ull << 32);
  if (!fits) throw PciError(bar_name(index) + ": address beyond the BAR's reach");
  const uint16_t at = bar_offset(index);
  const uint32_t type_bits = read32(at) & (spec->kind == PciBarKind::kIo ? 0x3u : 0xfu);
  set32(at, static_cast<uint32_t>(address) | type_bits);
  if (spec->kind == PciBarKind::kMem64) set32(at + 4, static_cast<uint32_t>(address >> 32));
}

}  // namespace zvmm

#include "devices/pci/config_io.h"

#include <algorithm>

#include "base/le.h"

namespace zvmm {

std::optional<std::pair<PciBdf, uint16_t>> PciConfigIo::target(uint64_t offset) const {
  std::lock_guard lock(mutex_);
  if (!(address_ & kEnable)) return std::nullopt;
  const PciBdf bdf{.bus = static_cast<uint8_t>(address_ >> 16),
                   .device = static_cast<uint8_t>((address_ >> 11) & 0x1f),
                   .function = static_cast<uint8_t>((address_ >> 8) & 0x7)};
  const auto reg = static_cast<uint16_t>((address_ & 0xfc) + (offset - 4));
  return std::pair{bdf, reg};
}

void PciConfigIo::read(uint64_t offset, std::span<uint8_t> data) {
  std::fill(data.begin(), data.end(), 0xff);
  if (offset == 0 && data.size() == 4) {
    std::lock_guard lock(mutex_);
    store_le(data, 0, address_);
    return;
  }
  if (offset < 4 || offset + data.size() > kSize) return;
  if (auto t = target(offset)) root_->config_read(t->first, t->second, data);
}

void PciConfigIo::write(uint64_t offset, std::span<const uint8_t> data) {
  if (offset == 0 && data.size() == 4) {
    std::lock_guard lock(mutex_);
    address_ = load_le<uint32_t>(data) & ~0x3u;  // bits 1:0 read as zero
    return;
  }
  // Byte/word writes to 0xcf8-0xcfb (e.g. Linux's type-2 probe) are ignored.
  if (offset < 4 || offset + data.size() > kSize) return;
  if (auto t = target(offset)) root_->config_write(t->first, t->second, data);
}

}  // namespace zvmm

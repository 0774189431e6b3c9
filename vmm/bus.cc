#include "vmm/bus.h"

#include <algorithm>

#include "base/hex.h"

namespace zvmm {

void Bus::insert(std::shared_ptr<BusDevice> device, uint64_t base, uint64_t size) {
  if (size == 0 || base + size < base) {
    throw BusError("bus range [" + hex(base) + ", +" + hex(size) + ") is empty or wraps");
  }
  std::unique_lock lock(mutex_);
  auto next = devices_.lower_bound(base);
  if (next != devices_.end() && next->first < base + size) {
    throw BusError("bus range [" + hex(base) + ", +" + hex(size) + ") overlaps a device at " +
                   hex(next->first));
  }
  if (next != devices_.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second.size > base) {
      throw BusError("bus range [" + hex(base) + ", +" + hex(size) + ") overlaps a device at " +
                     hex(prev->first));
    }
  }
  devices_.emplace(base, Entry{size, std::move(device)});
}

bool Bus::remove(uint64_t base) {
  std::unique_lock lock(mutex_);
  return devices_.erase(base) > 0;
}

std::shared_ptr<BusDevice> Bus::find(uint64_t addr, uint64_t len, uint64_t* offset) const {
  std::shared_lock lock(mutex_);
  auto it = devices_.upper_bound(addr);
  if (it == devices_.begin()) return nullptr;
  --it;
  const uint64_t off = addr - it->first;
  if (off >= it->second.size || len > it->second.size - off) return nullptr;
  *offset = off;
  return it->second.device;
}

bool Bus::read(uint64_t addr, std::span<uint8_t> data) const {
  uint64_t offset = 0;
  if (auto dev = find(addr, data.size(), &offset)) {
    dev->read(offset, data);
    return true;
  }
  std::fill(data.begin(), data.end(), 0xff);
  return false;
}

bool Bus::write(uint64_t addr, std::span<const uint8_t> data) const {
  uint64_t offset = 0;
  if (auto dev = find(addr, data.size(), &offset)) {
    dev->write(offset, data);
    return true;
  }
  return false;
}

}  // namespace zvmm

#include "devices/pci/msix_table.h"

#include <algorithm>
#include <string>

#include "devices/pci/pci_error.h"
#include "base/le.h"

namespace zvmm {

namespace {

bool aligned_access(uint64_t offset, size_t len) {
  return (len == 4 || len == 8) && offset % len == 0;
}

}  // namespace

MsixTable::MsixTable(uint16_t vectors, std::shared_ptr<InterruptSourceGroup> group)
    : group_(std::move(group)),
      entries_(vectors),
      published_(vectors, Published{.valid = true, .masked = true, .message = {}}),
      pba_((vectors + 63) / 64, 0) {
  if (vectors == 0 || vectors > kMaxVectors) {
    throw PciError("MSI-X: " + std::to_string(vectors) + " vectors (want 1.." +
                   std::to_string(kMaxVectors) + ")");
  }
  if (!group_ || group_->size() < vectors) {
    throw PciError("MSI-X: interrupt group has fewer than " + std::to_string(vectors) +
                   " sources");
  }
}

void MsixTable::set_control(bool enabled, bool function_masked) {
  std::lock_guard lock(mutex_);
  if (enabled == enabled_ && function_masked == function_masked_) return;
  enabled_ = enabled;
  function_masked_ = function_masked;
  for (size_t v = 0; v < entries_.size(); ++v) sync(v);
}

void MsixTable::read_table(uint64_t offset, std::span<uint8_t> data) const {
  std::fill(data.begin(), data.end(), 0);
  if (!aligned_access(offset, data.size()) || offset >= table_bytes()) return;
  std::lock_guard lock(mutex_);
  for (size_t i = 0; i < data.size(); i += 4) store_le(data, i, read_dword(offset + i));
}

void MsixTable::write_table(uint64_t offset, std::span<const uint8_t> data) {
  if (!aligned_access(offset, data.size()) || offset >= table_bytes()) return;
  std::lock_guard lock(mutex_);
  for (size_t i = 0; i < data.size(); i += 4) write_dword(offset + i, load_le<uint32_t>(data, i));
  sync(offset / kEntrySize);  // an aligned access never spans two entries
}

void MsixTable::read_pba(uint64_t offset, std::span<uint8_t> data) const {
  std::fill(data.begin(), data.end(), 0);
  if (!aligned_access(offset, data.size()) || offset >= pba_bytes()) return;
  std::lock_guard lock(mutex_);
  const uint64_t qword = pba_[offset / 8];
  if (data.size() == 8) {
    store_le(data, 0, qword);
  } else {
    store_le(data, 0, static_cast<uint32_t>(qword >> (offset % 8 * 8)));
  }
}

bool MsixTable::trigger(uint16_t vector) {
  std::lock_guard lock(mutex_);
  if (vector >= entries_.size() || !enabled_) return false;
  if (effectively_masked(vector)) {
    pba_[vector / 64] |= uint64_t{1} << (vector % 64);
    return false;
  }
  return !group_->trigger(vector);
}

bool MsixTable::enabled() const {
  std::lock_guard lock(mutex_);
  return enabled_;
}

bool MsixTable::function_masked() const {
  std::lock_guard lock(mutex_);
  return function_masked_;
}

bool MsixTable::vector_masked(uint16_t vector) const {
  std::lock_guard lock(mutex_);
  return vector < entries_.size() && (entries_[vector].control & 1);
}

bool MsixTable::pending(uint16_t vector) const {
  std::lock_guard lock(mutex_);
  return vector < entries_.size() && (pba_[vector / 64] >> (vector % 64) & 1);
}

MsiMessage MsixTable::message(uint16_t vector) const {
  std::lock_guard lock(mutex_);
  return vector < entries_.size() ? entries_[vector].message() : MsiMessage{};
}

bool MsixTable::effectively_masked(size_t vector) const {
  return !enabled_ || function_masked_ || (entries_[vector].control & 1);
}

uint32_t MsixTable::read_dword(uint64_t offset) const {
  const Entry& e = entries_[offset / kEntrySize];
  switch (offset % kEntrySize / 4) {
    case 0: return e.address_low;
    case 1: return e.address_high;
    case 2: return e.data;
    default: return e.control;
  }
}

void MsixTable::write_dword(uint64_t offset, uint32_t value) {
  Entry& e = entries_[offset / kEntrySize];
  switch (offset % kEntrySize / 4) {
    case 0: e.address_low = value & ~0x3u; break;  // dword aligned
    case 1: e.address_high = value; break;
    case 2: e.data = value; break;
    default: e.control = value & 1; break;  // other bits reserved
  }
}

void MsixTable::sync(size_t vector) {
  const bool masked = effectively_masked(vector);
  const MsiMessage message = entries_[vector].message();
  Published& pub = published_[vector];
  const bool stale = !pub.valid || pub.masked != masked || (!masked && pub.message != message);
  if (stale) {
    const auto index = static_cast<uint32_t>(vector);
    if (group_->update(index, message, masked)) {
      pub.valid = false;  // retry on the next change; keep anything pending
      return;
    }
    pub = Published{.valid = true, .masked = masked, .message = message};
  }
  uint64_t& bits = pba_[vector / 64];
  const uint64_t bit = uint64_t{1} << (vector % 64);
  if (!masked && (bits & bit)) {
    bits &= ~bit;
    group_->trigger(static_cast<uint32_t>(vector));
  }
}

}  // namespace zvmm

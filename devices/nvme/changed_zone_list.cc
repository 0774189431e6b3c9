#include "devices/nvme/changed_zone_list.h"

#include "base/le.h"

namespace zvmm::nvme {

bool ChangedZoneList::add(uint64_t zslba) {
  std::lock_guard lock(mu_);
  const bool was_empty = ids_.empty() && !overflow_;
  if (overflow_ || seen_.count(zslba) != 0) return was_empty;
  if (ids_.size() == kChangedZoneListMaxIds) {
    overflow_ = true;
    ids_.clear();
    seen_.clear();
    return was_empty;
  }
  ids_.push_back(zslba);
  seen_.insert(zslba);
  return was_empty;
}

std::vector<uint8_t> ChangedZoneList::page_locked() const {
  std::vector<uint8_t> d(kChangedZoneListBytes, 0);
  if (overflow_) {
    store_le<uint16_t>(d, 0, kChangedZoneListOverflow);
    return d;
  }
  store_le<uint16_t>(d, 0, static_cast<uint16_t>(ids_.size()));
  for (size_t i = 0; i < ids_.size(); ++i) store_le<uint64_t>(d, 8 + 8 * i, ids_[i]);
  return d;
}

std::vector<uint8_t> ChangedZoneList::page() const {
  std::lock_guard lock(mu_);
  return page_locked();
}

std::vector<uint8_t> ChangedZoneList::take_page() {
  std::lock_guard lock(mu_);
  std::vector<uint8_t> d = page_locked();
  ids_.clear();
  seen_.clear();
  overflow_ = false;
  return d;
}

size_t ChangedZoneList::size() const {
  std::lock_guard lock(mu_);
  return ids_.size();
}

bool ChangedZoneList::overflowed() const {
  std::lock_guard lock(mu_);
  return overflow_;
}

}  // namespace zvmm::nvme

#include "devices/pci/bar_allocator.h"

#include <bit>
#include <stdexcept>
#include <string>

namespace zvmm {

BarAllocator::BarAllocator(uint64_t start, uint64_t size) : start_(start), size_(size) {
  if (size == 0 || start + size - 1 < start) {
    throw std::invalid_argument("BAR window [" + std::to_string(start) + ", +" +
                                std::to_string(size) + ") is empty or wraps");
  }
}

std::optional<uint64_t> BarAllocator::allocate(uint64_t size) {
  if (!std::has_single_bit(size)) {
    throw std::invalid_argument("BAR size " + std::to_string(size) + " is not a power of two");
  }
  const uint64_t last = start_ + (size_ - 1);  // inclusive, cannot overflow
  auto align_up = [size](uint64_t v) -> std::optional<uint64_t> {
    const uint64_t r = (v + (size - 1)) & ~(size - 1);
    if (r < v) return std::nullopt;
    return r;
  };
  auto candidate = align_up(start_);
  // First fit: walk the allocated ranges in address order.
  for (auto it = used_.begin(); candidate; ++it) {
    const uint64_t cand_last = *candidate + (size - 1);
    if (cand_last < *candidate || cand_last > last) return std::nullopt;
    if (it == used_.end() || cand_last < it->first) {
      used_.emplace(*candidate, size);
      return candidate;
    }
    const uint64_t used_end = it->first + it->second;
    if (used_end < it->first) return std::nullopt;  // used up to the top of the address space
    if (used_end > *candidate) candidate = align_up(used_end);
  }
  return std::nullopt;
}

bool BarAllocator::free(uint64_t base) { return used_.erase(base) > 0; }

}  // namespace zvmm

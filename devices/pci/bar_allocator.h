// Hands out naturally aligned, power-of-two ranges from one address window
// (the 32-bit or 64-bit PCI MMIO window, or the PCI I/O port range).
#pragma once

#include <cstdint>
#include <map>
#include <optional>

namespace zvmm {

class BarAllocator {
 public:
  // Throws std::invalid_argument if the window is empty or wraps.
  BarAllocator(uint64_t start, uint64_t size);

  // Lowest free range of `size` bytes aligned to `size`; nullopt when the
  // window is exhausted. Throws std::invalid_argument if size is not a power of two.
  std::optional<uint64_t> allocate(uint64_t size);
  // Returns a range obtained from allocate(); false if `base` was not allocated.
  bool free(uint64_t base);

  uint64_t start() const { return start_; }
  uint64_t size() const { return size_; }

 private:
  uint64_t start_;
  uint64_t size_;
  std::map<uint64_t, uint64_t> used_;  // base -> size
};

}  // namespace zvmm

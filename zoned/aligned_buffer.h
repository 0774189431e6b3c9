// A heap buffer aligned for O_DIRECT I/O (bounce buffer for unaligned caller
// buffers on host block devices).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <span>

namespace zvmm::zoned {

class AlignedBuffer {
 public:
  // alignment: a power of two; size is rounded up to it for the allocation.
  AlignedBuffer(size_t size, size_t alignment)
      : data_(static_cast<uint8_t*>(std::aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment))),
        size_(size) {
    if (!data_) throw std::bad_alloc();
  }

  std::span<uint8_t> span() { return {data_.get(), size_}; }

  static bool is_aligned(const void* p, size_t alignment) {
    return reinterpret_cast<uintptr_t>(p) % alignment == 0;
  }

 private:
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  std::unique_ptr<uint8_t, Free> data_;
  size_t size_;
};

}  // namespace zvmm::zoned

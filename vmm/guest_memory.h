// Guest physical memory: anonymous host mappings laid out per layout.h, with
// bounds-checked access. Every access names a guest physical address (GPA) and a
// length; an access that is not wholly inside one RAM region is refused, so a
// guest-supplied address can never reach host memory outside the guest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/le.h"

namespace zvmm {

class GuestMemoryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An owned anonymous mmap; unmapped on destruction.
class MemoryMapping {
 public:
  // Maps `size` bytes of zeroed, private, anonymous memory (MAP_NORESERVE).
  static MemoryMapping anonymous(size_t size);

  MemoryMapping(MemoryMapping&& other) noexcept;
  MemoryMapping& operator=(MemoryMapping&& other) noexcept;
  MemoryMapping(const MemoryMapping&) = delete;
  MemoryMapping& operator=(const MemoryMapping&) = delete;
  ~MemoryMapping();

  std::span<uint8_t> bytes() const { return {data_, size_}; }

 private:
  MemoryMapping(uint8_t* data, size_t size) : data_(data), size_(size) {}
  void release() noexcept;

  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// One contiguous range of guest RAM backed by one host mapping.
struct GuestRegion {
  uint64_t gpa = 0;
  MemoryMapping mapping;

  uint64_t size() const { return mapping.bytes().size(); }
  uint64_t end() const { return gpa + size(); }
};

class GuestMemory {
 public:
  // RAM below the 32-bit MMIO hole, and the rest from 4 GiB up (layout.h).
  // Throws GuestMemoryError if ram_bytes is below layout::kMinimumMemory or not
  // a multiple of the page size.
  static GuestMemory create(uint64_t ram_bytes);

  GuestMemory(GuestMemory&&) noexcept = default;
  GuestMemory& operator=(GuestMemory&&) noexcept = default;

  uint64_t ram_bytes() const { return ram_bytes_; }
  const std::vector<GuestRegion>& regions() const { return regions_; }

  // The host bytes for [gpa, gpa + len), or nullopt if that range is not wholly
  // inside one RAM region (including on overflow). len 0 is valid inside RAM.
  std::optional<std::span<uint8_t>> slice(uint64_t gpa, uint64_t len) const;

  // Like slice(), but throws GuestMemoryError naming `what` (for the VMM's own
  // boot-time writes, where a failure is a VMM or configuration error).
  std::span<uint8_t> checked_slice(uint64_t gpa, uint64_t len, const std::string& what) const;

  // Copies between guest memory and host buffers. Return false (and touch
  // nothing) if the guest range is not wholly inside one RAM region.
  bool read(uint64_t gpa, std::span<uint8_t> out) const;
  bool write(uint64_t gpa, std::span<const uint8_t> in) const;

  template <LeScalar T>
  std::optional<T> read_le(uint64_t gpa) const {
    auto s = slice(gpa, sizeof(T));
    if (!s) return std::nullopt;
    return load_le<T>(*s);
  }

  template <LeScalar T>
  bool write_le(uint64_t gpa, T value) const {
    auto s = slice(gpa, sizeof(T));
    if (!s) return false;
    store_le<T>(*s, 0, value);
    return true;
  }

 private:
  GuestMemory(uint64_t ram_bytes, std::vector<GuestRegion> regions)
      : ram_bytes_(ram_bytes), regions_(std::move(regions)) {}

  uint64_t ram_bytes_ = 0;
  std::vector<GuestRegion> regions_;
};

}  // namespace zvmm

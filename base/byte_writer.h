// Appends little-endian fields to a byte vector: for firmware tables (MP
// table, ACPI) that the VMM lays out byte by byte.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "base/le.h"

namespace zvmm {

class ByteWriter {
 public:
  explicit ByteWriter(std::vector<uint8_t>& out) : out_(out) {}

  size_t size() const { return out_.size(); }

  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v) { put(v); }
  void u32(uint32_t v) { put(v); }
  void u64(uint64_t v) { put(v); }
  // `s` padded with `pad` (or truncated) to exactly `width` bytes.
  void text(std::string_view s, size_t width, char pad = ' ') {
    for (size_t i = 0; i < width; ++i) out_.push_back(static_cast<uint8_t>(i < s.size() ? s[i] : pad));
  }
  void zeros(size_t n) { out_.insert(out_.end(), n, 0); }
  void bytes(std::span<const uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }

 private:
  template <LeScalar T>
  void put(T v) {
    const size_t at = out_.size();
    out_.resize(at + sizeof(T));
    store_le<T>(out_, at, v);
  }
  std::vector<uint8_t>& out_;
};

// Sum of all bytes mod 256: MP and ACPI structures are valid when it is 0.
inline uint8_t byte_sum(std::span<const uint8_t> bytes) {
  uint8_t sum = 0;
  for (uint8_t b : bytes) sum = static_cast<uint8_t>(sum + b);
  return sum;
}

// Sets bytes[at] so that byte_sum(bytes) == 0.
inline void fix_checksum(std::span<uint8_t> bytes, size_t at) {
  bytes[at] = 0;
  bytes[at] = static_cast<uint8_t>(-byte_sum(bytes));
}

}  // namespace zvmm

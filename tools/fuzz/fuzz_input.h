// Reads a fuzzer input front to back as little-endian integers; past the end
// every read yields 0, so any input length decodes to something.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace zvmm::fuzz {

class Input {
 public:
  Input(const uint8_t* data, size_t size) : p_(data), n_(size) {}

  bool empty() const { return i_ >= n_; }
  size_t remaining() const { return i_ < n_ ? n_ - i_ : 0; }

  template <typename T>
  T get() {
    T v{};
    uint8_t b[sizeof(T)] = {};
    const size_t k = std::min(sizeof(T), remaining());
    if (k) std::memcpy(b, p_ + i_, k);
    i_ += k;
    uint64_t x = 0;
    for (size_t j = 0; j < sizeof(T); ++j) x |= uint64_t{b[j]} << (8 * j);
    v = static_cast<T>(x);
    return v;
  }
  uint8_t u8() { return get<uint8_t>(); }
  uint16_t u16() { return get<uint16_t>(); }
  uint32_t u32() { return get<uint32_t>(); }
  uint64_t u64() { return get<uint64_t>(); }
  // A value in [0, n), n > 0.
  uint32_t below(uint32_t n) { return n ? u32() % n : 0; }
  bool flag() { return u8() & 1; }

  // Up to `max` bytes (length from the input).
  std::vector<uint8_t> bytes(size_t max) {
    const size_t len = std::min<size_t>(u16() % (max + 1), remaining());
    std::vector<uint8_t> out(p_ + i_, p_ + i_ + len);
    i_ += len;
    return out;
  }
  // Exactly `len` bytes, zero-padded past the end.
  std::vector<uint8_t> fixed(size_t len) {
    std::vector<uint8_t> out(len, 0);
    const size_t k = std::min(len, remaining());
    if (k) std::memcpy(out.data(), p_ + i_, k);
    i_ += k;
    return out;
  }
  // A string up to the next NUL (or the end).
  std::string str() {
    std::string s;
    while (i_ < n_ && p_[i_] != 0) s.push_back(static_cast<char>(p_[i_++]));
    if (i_ < n_) ++i_;
    return s;
  }

 private:
  const uint8_t* p_;
  size_t n_;
  size_t i_ = 0;
};

}  // namespace zvmm::fuzz

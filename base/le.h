// Explicit little-endian loads and stores on byte spans (guest memory, device
// registers, on-disk metadata). Out-of-range offsets throw std::out_of_range:
// callers that handle guest-controlled offsets check bounds first.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace zvmm {

template <typename T>
concept LeScalar = std::is_integral_v<T> && !std::is_same_v<T, bool>;

template <LeScalar T>
constexpr T byteswap_if_big_endian(T v) {
  if constexpr (std::endian::native == std::endian::big && sizeof(T) > 1) {
    using U = std::make_unsigned_t<T>;
    U u = static_cast<U>(v), r = 0;
    for (size_t i = 0; i < sizeof(T); ++i) {
      r = static_cast<U>((r << 8) | (u & 0xff));
      u = static_cast<U>(u >> 8);
    }
    return static_cast<T>(r);
  } else {
    return v;
  }
}

template <LeScalar T>
T load_le(std::span<const uint8_t> bytes, size_t offset = 0) {
  if (offset > bytes.size() || bytes.size() - offset < sizeof(T)) {
    throw std::out_of_range("load_le: offset " + std::to_string(offset) + " + " +
                            std::to_string(sizeof(T)) + " beyond " + std::to_string(bytes.size()));
  }
  T v;
  std::memcpy(&v, bytes.data() + offset, sizeof(T));
  return byteswap_if_big_endian(v);
}

template <LeScalar T>
void store_le(std::span<uint8_t> bytes, size_t offset, T value) {
  if (offset > bytes.size() || bytes.size() - offset < sizeof(T)) {
    throw std::out_of_range("store_le: offset " + std::to_string(offset) + " + " +
                            std::to_string(sizeof(T)) + " beyond " + std::to_string(bytes.size()));
  }
  value = byteswap_if_big_endian(value);
  std::memcpy(bytes.data() + offset, &value, sizeof(T));
}

}  // namespace zvmm

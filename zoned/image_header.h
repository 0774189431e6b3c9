// Header of a zoned image file (first 4 KiB): magic, version, geometry and a
// crc32c. Followed by one 8-byte zone slot per zone (zone_slot.h) and, from
// data_offset (1 MiB aligned), the device data. See docs/zoned-model.md.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

#include "zoned/zone_geometry.h"

namespace zvmm::zoned {

inline constexpr size_t kImageHeaderBytes = 4096;
inline constexpr uint32_t kImageVersion = 1;
inline constexpr char kImageMagic[8] = {'Z', 'V', 'M', 'M', 'Z', 'O', 'N', 'E'};

// A file that is not a valid image, or not the image that was asked for.
class ImageFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ImageLayout {
  uint64_t slots_offset = kImageHeaderBytes;
  uint64_t slots_bytes = 0;
  uint64_t data_offset = 0;
  uint64_t file_bytes = 0;
};

ImageLayout image_layout(const ZoneGeometry& geometry);
std::array<uint8_t, kImageHeaderBytes> encode_image_header(const ZoneGeometry& geometry);
// Throws ImageFormatError naming `path` on bad magic, version, checksum or geometry.
ZoneGeometry decode_image_header(std::span<const uint8_t> header, const std::string& path);

}  // namespace zvmm::zoned

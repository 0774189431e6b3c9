#include "zoned/image_header.h"

#include <cstring>

#include "base/le.h"
#include "zoned/crc32c.h"
#include "zoned/zone_slot.h"

namespace zvmm::zoned {
namespace {

// Field offsets.
constexpr size_t kMagic = 0, kVersion = 8, kHeaderSize = 12, kDeviceBytes = 16, kZoneSize = 24,
                 kZoneCapacity = 32, kNrConventional = 40, kNrZones = 44, kMaxOpen = 48,
                 kMaxActive = 52, kMaxAppend = 56, kBlockSize = 64, kModel = 68, kFlags = 69,
                 kSlotsOffset = 72, kDataOffset = 80, kCrc = kImageHeaderBytes - 4;
constexpr uint8_t kFlagSmallerLastZone = 1;
constexpr uint64_t kDataAlign = 1 << 20;

}  // namespace

ImageLayout image_layout(const ZoneGeometry& g) {
  ImageLayout l;
  l.slots_bytes = uint64_t{g.nr_zones()} * kZoneSlotBytes;
  l.data_offset = (l.slots_offset + l.slots_bytes + kDataAlign - 1) / kDataAlign * kDataAlign;
  l.file_bytes = l.data_offset + g.config().device_bytes;
  return l;
}

std::array<uint8_t, kImageHeaderBytes> encode_image_header(const ZoneGeometry& g) {
  std::array<uint8_t, kImageHeaderBytes> h{};
  const auto& c = g.config();
  const ImageLayout l = image_layout(g);
  std::memcpy(h.data() + kMagic, kImageMagic, sizeof(kImageMagic));
  store_le<uint32_t>(h, kVersion, kImageVersion);
  store_le<uint32_t>(h, kHeaderSize, kImageHeaderBytes);
  store_le<uint64_t>(h, kDeviceBytes, c.device_bytes);
  store_le<uint64_t>(h, kZoneSize, c.zone_size_bytes);
  store_le<uint64_t>(h, kZoneCapacity, c.zone_capacity_bytes);
  store_le<uint32_t>(h, kNrConventional, g.model() == ZonedModel::kNone ? 0 : g.nr_conventional());
  store_le<uint32_t>(h, kNrZones, g.nr_zones());
  store_le<uint32_t>(h, kMaxOpen, c.max_open);
  store_le<uint32_t>(h, kMaxActive, c.max_active);
  store_le<uint64_t>(h, kMaxAppend, c.max_append_bytes);
  store_le<uint32_t>(h, kBlockSize, c.logical_block_size);
  store_le<uint8_t>(h, kModel, static_cast<uint8_t>(c.model));
  store_le<uint8_t>(h, kFlags, c.allow_smaller_last_zone ? kFlagSmallerLastZone : 0);
  store_le<uint64_t>(h, kSlotsOffset, l.slots_offset);
  store_le<uint64_t>(h, kDataOffset, l.data_offset);
  store_le<uint32_t>(h, kCrc, crc32c(std::span(h).first(kCrc)));
  return h;
}

ZoneGeometry decode_image_header(std::span<const uint8_t> h, const std::string& path) {
  auto bad = [&](const std::string& why) { return ImageFormatError(path + ": " + why); };
  if (h.size() < kImageHeaderBytes) throw bad("file too short for a zoned image header");
  if (std::memcmp(h.data(), kImageMagic, sizeof(kImageMagic)) != 0) {
    throw bad("not a zvmm zoned image (bad magic)");
  }
  const uint32_t version = load_le<uint32_t>(h, kVersion);
  if (version != kImageVersion) {
    throw bad("unsupported image version " + std::to_string(version) + " (this build reads " +
              std::to_string(kImageVersion) + ")");
  }
  const uint32_t stored = load_le<uint32_t>(h, kCrc);
  const uint32_t computed = crc32c(h.first(kCrc));
  if (stored != computed) throw bad("header checksum mismatch: the image metadata is corrupt");
  ZoneGeometryConfig c;
  c.device_bytes = load_le<uint64_t>(h, kDeviceBytes);
  c.zone_size_bytes = load_le<uint64_t>(h, kZoneSize);
  c.zone_capacity_bytes = load_le<uint64_t>(h, kZoneCapacity);
  c.nr_conventional = load_le<uint32_t>(h, kNrConventional);
  c.max_open = load_le<uint32_t>(h, kMaxOpen);
  c.max_active = load_le<uint32_t>(h, kMaxActive);
  c.max_append_bytes = load_le<uint64_t>(h, kMaxAppend);
  c.logical_block_size = load_le<uint32_t>(h, kBlockSize);
  c.model = static_cast<ZonedModel>(load_le<uint8_t>(h, kModel));
  c.allow_smaller_last_zone = (load_le<uint8_t>(h, kFlags) & kFlagSmallerLastZone) != 0;
  ZoneGeometry g = [&] {
    try {
      return ZoneGeometry::from_config(c);
    } catch (const std::invalid_argument& e) {
      throw bad(std::string("invalid geometry in header: ") + e.what());
    }
  }();
  const ImageLayout l = image_layout(g);
  if (load_le<uint32_t>(h, kNrZones) != g.nr_zones() ||
      load_le<uint64_t>(h, kSlotsOffset) != l.slots_offset ||
      load_le<uint64_t>(h, kDataOffset) != l.data_offset) {
    throw bad("header layout fields do not match its geometry");
  }
  return g;
}

}  // namespace zvmm::zoned

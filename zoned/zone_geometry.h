// Validated layout of a zoned device: N conventional zones, then sequential
// zones, all of one power-of-two size except an optional smaller last zone.
#pragma once

#include <cstdint>
#include <string>

#include "zoned/zone_status.h"
#include "zoned/zone_types.h"

namespace zvmm::zoned {

// User-facing description, in bytes. Validated by ZoneGeometry::from_config.
struct ZoneGeometryConfig {
  uint64_t device_bytes = 0;
  uint64_t zone_size_bytes = 0;
  uint64_t zone_capacity_bytes = 0;  // 0 = zone size
  uint32_t nr_conventional = 0;
  uint32_t max_open = 0;    // 0 = unlimited
  uint32_t max_active = 0;  // 0 = unlimited
  uint64_t max_append_bytes = 0;  // 0 = min(zone capacity, 1 MiB)
  uint32_t logical_block_size = 512;
  ZonedModel model = ZonedModel::kHostManaged;
  bool allow_smaller_last_zone = true;  // NVMe ZNS sets false
};

class ZoneGeometry {
 public:
  // Throws std::invalid_argument with a one-line message naming the bad value
  // and the rule. Refuses every geometry a Linux (6.12) guest would reject
  // (virtio_blk probe, blk_revalidate_disk_zones, queue limits), so that a bad
  // disk fails up front instead of vanishing in the guest:
  //  - block size 512 or 4096; device size nonzero, whole blocks;
  //  - zone size a power of two, >= the block size, <= 1 TiB (32-bit sectors);
  //  - 0 < zone capacity <= zone size, whole blocks (0 in the config = size);
  //  - zoned models: device size >= zone size (at least one full zone), at
  //    least one sequential zone; a smaller last zone only if allowed;
  //  - max_open <= max_active when both are set; each limit <= the number of
  //    sequential zones (refused, not clamped: Linux would report 0);
  //  - block size <= max append <= zone capacity, whole blocks.
  // Constant capacity and conventional capacity == length hold by construction.
  static ZoneGeometry from_config(const ZoneGeometryConfig& config);

  const ZoneGeometryConfig& config() const { return config_; }
  ZonedModel model() const { return config_.model; }
  uint64_t device_sectors() const { return device_sectors_; }
  uint64_t zone_sectors() const { return zone_sectors_; }
  unsigned zone_shift() const { return zone_shift_; }
  uint64_t zone_capacity_sectors() const { return zone_capacity_sectors_; }
  uint32_t nr_zones() const { return nr_zones_; }
  uint32_t nr_conventional() const { return nr_conventional_; }
  uint32_t max_open() const { return config_.max_open; }
  uint32_t max_active() const { return config_.max_active; }
  uint64_t max_append_sectors() const { return max_append_sectors_; }
  uint32_t logical_block_size() const { return config_.logical_block_size; }
  uint64_t lba_sectors() const { return config_.logical_block_size / kSectorSize; }
  // A request of `bytes` at `sector`: kMisaligned unless both are multiples of
  // the logical block, kOutOfRange unless it lies inside the device.
  ZoneStatus check_range(uint64_t sector, uint64_t bytes) const;

  uint32_t zone_index(uint64_t sector) const { return static_cast<uint32_t>(sector >> zone_shift_); }
  uint64_t zone_start(uint32_t zone) const { return uint64_t{zone} << zone_shift_; }
  uint64_t zone_len(uint32_t zone) const;
  uint64_t zone_capacity(uint32_t zone) const;
  ZoneType zone_type(uint32_t zone) const;
  bool is_sequential(uint32_t zone) const { return zone >= nr_conventional_; }

  // Human-readable differences with another geometry; empty if equal.
  std::string describe_differences(const ZoneGeometry& other) const;
  std::string summary() const;

 private:
  ZoneGeometryConfig config_;
  uint64_t device_sectors_ = 0;
  uint64_t zone_sectors_ = 0;
  unsigned zone_shift_ = 0;
  uint64_t zone_capacity_sectors_ = 0;
  uint64_t max_append_sectors_ = 0;
  uint32_t nr_zones_ = 0;
  uint32_t nr_conventional_ = 0;
};

// 4096 -> "4K", 64 MiB -> "64M", 1000 -> "1000" (sizes parse with base/size.h).
std::string format_size(uint64_t bytes);

}  // namespace zvmm::zoned

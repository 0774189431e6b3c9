// The fixed description of one virtio-blk device: options chosen by the VMM,
// the feature bits it offers and its configuration space bytes, all derived
// from the zone geometry at construction.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "devices/queue_worker.h"
#include "devices/virtio/blk_protocol.h"
#include "zoned/zone_geometry.h"

namespace zvmm::virtio {

using devices::KickYield;  // the queue worker's policy (devices/queue_worker.h)

// Largest seg_max offered by default: UIO_MAXIOV, the iovec limit of one
// readv/writev (a chain with more data segments goes through a bounce buffer).
inline constexpr uint32_t kMaxDataSegments = 1024;

struct VirtioBlkOptions {
  uint16_t num_queues = 1;          // > 1 offers VIRTIO_BLK_F_MQ
  uint16_t queue_size = 256;        // max queue size, a power of two
  std::string serial = "zvmm";      // GET_ID, at most 20 bytes
  bool read_only = false;           // offers VIRTIO_BLK_F_RO
  uint32_t size_max = 128 * 1024;   // largest segment advertised (bytes)
  uint32_t seg_max = 0;             // 0 = min(queue_size - 2, kMaxDataSegments)
  KickYield kick_yield = KickYield::kAuto;
};

class BlkConfig {
 public:
  // Throws std::invalid_argument naming the bad option.
  BlkConfig(const zoned::ZoneGeometry& geometry, VirtioBlkOptions options);

  const VirtioBlkOptions& options() const { return options_; }
  zoned::ZonedModel model() const { return model_; }
  bool zoned() const { return model_ != zoned::ZonedModel::kNone; }
  uint64_t features() const { return features_; }
  uint64_t capacity_sectors() const { return capacity_sectors_; }
  uint32_t block_size() const { return block_size_; }
  // Largest data payload one request may carry (seg_max * size_max); longer
  // requests fail with IOERR instead of growing a bounce buffer without bound.
  uint64_t max_request_bytes() const { return max_request_bytes_; }
  uint32_t max_discard_sectors() const { return kMaxDiscardSectors; }
  uint32_t max_write_zeroes_sectors() const { return kMaxWriteZeroesSectors; }
  uint32_t max_discard_seg() const { return kMaxSegments; }
  std::span<const uint8_t> bytes() const { return bytes_; }

  static constexpr uint32_t kMaxDiscardSectors = 1u << 22;     // 2 GiB
  static constexpr uint32_t kMaxWriteZeroesSectors = 1u << 16; // 32 MiB
  static constexpr uint32_t kMaxSegments = 1;

 private:
  VirtioBlkOptions options_;
  zoned::ZonedModel model_;
  uint64_t features_ = 0;
  uint64_t capacity_sectors_ = 0;
  uint32_t block_size_ = 512;
  uint64_t max_request_bytes_ = 0;
  std::array<uint8_t, blk::cfg::kSize> bytes_{};
};

}  // namespace zvmm::virtio

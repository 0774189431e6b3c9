#include "devices/virtio/blk_config.h"

#include <bit>
#include <stdexcept>

#include "devices/virtio/blk_status.h"
#include "devices/virtio/virtio_constants.h"
#include "base/le.h"

namespace zvmm::virtio {

namespace cfg = blk::cfg;
using blk::kIdBytes;

BlkConfig::BlkConfig(const zoned::ZoneGeometry& g, VirtioBlkOptions o)
    : options_(std::move(o)), model_(g.model()) {
  if (options_.num_queues == 0) throw std::invalid_argument("virtio-blk: num_queues must be >= 1");
  if (options_.queue_size < 4 || options_.queue_size > kMaxQueueSize ||
      !std::has_single_bit(options_.queue_size)) {
    throw std::invalid_argument("virtio-blk: queue size " + std::to_string(options_.queue_size) +
                                " is not a power of two in [4, 32768]");
  }
  if (options_.serial.size() > kIdBytes) {
    throw std::invalid_argument("virtio-blk: serial '" + options_.serial + "' is longer than 20 bytes");
  }
  if (options_.size_max < 4096) throw std::invalid_argument("virtio-blk: size_max below 4096");
  // Data segments become one iovec each (scatter-gather I/O): at most
  // kMaxDataSegments, the kernel's limit for one readv/writev.
  if (options_.seg_max == 0) options_.seg_max = std::min<uint32_t>(options_.queue_size - 2u, kMaxDataSegments);
  if (g.zone_sectors() > 0xffffffffu) {
    throw std::invalid_argument("virtio-blk: zone size does not fit the 32-bit zone_sectors field");
  }

  capacity_sectors_ = g.device_sectors();
  block_size_ = g.logical_block_size();
  max_request_bytes_ = uint64_t{options_.seg_max} * options_.size_max;

  features_ = bit(blk::feature::kSizeMax) | bit(blk::feature::kSegMax) | bit(blk::feature::kBlkSize) |
              bit(blk::feature::kFlush) | bit(blk::feature::kTopology);
  if (options_.num_queues > 1) features_ |= bit(blk::feature::kMq);
  if (options_.read_only) features_ |= bit(blk::feature::kRo);
  if (model_ == zoned::ZonedModel::kNone) {
    // A host-managed device must not offer DISCARD; zones make both moot.
    features_ |= bit(blk::feature::kDiscard) | bit(blk::feature::kWriteZeroes);
  } else {
    features_ |= bit(blk::feature::kZoned);
  }

  auto b = std::span<uint8_t>(bytes_);
  store_le<uint64_t>(b, cfg::kCapacity, capacity_sectors_);
  store_le<uint32_t>(b, cfg::kSizeMax, options_.size_max);
  store_le<uint32_t>(b, cfg::kSegMax, options_.seg_max);
  store_le<uint32_t>(b, cfg::kBlkSize, block_size_);
  b[cfg::kPhysicalBlockExp] = 0;
  b[cfg::kAlignmentOffset] = 0;
  store_le<uint16_t>(b, cfg::kMinIoSize, 1);
  store_le<uint32_t>(b, cfg::kOptIoSize, 0);
  b[cfg::kWriteback] = 1;
  store_le<uint16_t>(b, cfg::kNumQueues, options_.num_queues);
  if (!zoned()) {
    store_le<uint32_t>(b, cfg::kMaxDiscardSectors, kMaxDiscardSectors);
    store_le<uint32_t>(b, cfg::kMaxDiscardSeg, kMaxSegments);
    store_le<uint32_t>(b, cfg::kDiscardSectorAlignment, block_size_ / 512);
    store_le<uint32_t>(b, cfg::kMaxWriteZeroesSectors, kMaxWriteZeroesSectors);
    store_le<uint32_t>(b, cfg::kMaxWriteZeroesSeg, kMaxSegments);
    b[cfg::kWriteZeroesMayUnmap] = 0;
  } else {
    store_le<uint32_t>(b, cfg::kZoneSectors, static_cast<uint32_t>(g.zone_sectors()));
    store_le<uint32_t>(b, cfg::kMaxOpenZones, g.max_open());
    store_le<uint32_t>(b, cfg::kMaxActiveZones, g.max_active());
    store_le<uint32_t>(b, cfg::kMaxAppendSectors, static_cast<uint32_t>(g.max_append_sectors()));
    store_le<uint32_t>(b, cfg::kWriteGranularity, block_size_);
    b[cfg::kModel] = blk::zoned_model(model_);
  }
}

}  // namespace zvmm::virtio

// Pass-through backend for a host zoned block device, through libzbd 2.0.4.
// Geometry, model, limits and zone reports come from the device; data I/O and
// zone operations go to it unchanged. Addresses are bytes, as in libzbd.
// The device is opened with O_DIRECT: buffers, offsets and lengths must be
// aligned to the logical block size.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "block/block_backend.h"

namespace zvmm::block {

// Numbering shared by libzbd, struct blk_zone and virtio.
struct HostZone {
  uint64_t start = 0;
  uint64_t len = 0;
  uint64_t capacity = 0;
  uint64_t wp = 0;
  uint8_t type = 0;  // 1 conventional, 2 SWR, 3 SWP
  uint8_t cond = 0;  // 0x0 NOT_WP ... 0xF OFFLINE
};

struct HostZonedInfo {
  std::string vendor;
  uint8_t model = 0;  // 1 host-managed, 2 host-aware
  uint64_t size_bytes = 0;
  uint64_t zone_size_bytes = 0;
  uint32_t nr_zones = 0;
  uint32_t logical_block_size = 0;
  uint32_t physical_block_size = 0;
  uint32_t max_open = 0;    // 0 = unlimited
  uint32_t max_active = 0;  // 0 = unlimited
};

enum class HostZoneOp { kReset, kOpen, kClose, kFinish };

class ZbdBackend final : public BlockBackend {
 public:
  // Throws std::runtime_error naming the path when the device cannot be opened
  // or is not zoned (including host-aware disks on Linux >= 6.12).
  static std::unique_ptr<ZbdBackend> open(const std::string& path, bool read_only = false);
  ~ZbdBackend() override;

  const HostZonedInfo& info() const { return info_; }
  // Zones starting with the one containing `offset`, at most max_zones.
  // Returns -errno on failure via `error`.
  std::vector<HostZone> report_zones(uint64_t offset, uint32_t max_zones, int* error) const;
  // Applies op to the zones in [offset, offset+len); len 0 = all zones from offset.
  int zone_operation(HostZoneOp op, uint64_t offset, uint64_t len);

  uint64_t size_bytes() const override { return info_.size_bytes; }
  int64_t read(uint64_t offset, std::span<uint8_t> buf) override;
  int64_t write(uint64_t offset, std::span<const uint8_t> buf) override;
  int flush() override;
  int discard(uint64_t offset, uint64_t len) override;  // zone reset of whole zones
  std::unique_ptr<IoQueue> create_queue(unsigned depth) override;

 private:
  ZbdBackend(int fd, HostZonedInfo info) : fd_(fd), info_(std::move(info)) {}
  int fd_;  // owned; closed with zbd_close
  HostZonedInfo info_;
};

}  // namespace zvmm::block

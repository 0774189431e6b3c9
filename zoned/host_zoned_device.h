// ZonedDevice passing through to a host zoned block device (libzbd, via
// block::ZbdBackend). Geometry, model, limits and zone reports come from the
// device; writes and zone operations go to it unchanged and the device
// enforces its rules (its errors are mapped to ZoneStatus, see
// docs/zoned-model.md). Zone append is emulated: Linux has no zone append for
// userspace, so appends to a zone are serialized (one in flight per zone, the
// rest queued in order) and each is written at the zone's write pointer.
// The device is opened with O_DIRECT; buffers not aligned to the logical block
// size go through a bounce buffer.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "block/zbd_backend.h"
#include "zoned/zoned_device.h"

namespace zvmm::zoned {

class AlignedBuffer;

class HostZonedDevice final : public ZonedDevice {
 public:
  // Throws std::runtime_error naming the path: cannot open, not zoned (the
  // message says that Linux >= 6.12 shows host-aware disks as regular disks),
  // or a layout the zoned model cannot express.
  static std::unique_ptr<HostZonedDevice> open(const std::string& path, bool read_only = false);
  ~HostZonedDevice() override;

  const ZoneGeometry& geometry() const override { return geometry_; }
  bool read_only() const override { return read_only_; }
  std::string description() const override { return "host " + path_; }
  ZoneReport report_zones(uint64_t sector, ZoneFilter filter,
                          std::span<ZoneDescriptor> out) override;
  // Nothing: the host device keeps its zones as they are (a guest's NVMe
  // controller reset is no power cycle of the host's device; its open zones
  // stay open, as the host's own kernel would see them).
  void power_cycle_zones() override {}

  block::ZbdBackend& backend() { return *backend_; }

 protected:
  // The device is opened with O_DIRECT: data goes through one block-aligned
  // buffer per request (gathered from / scattered to the segments), unless it
  // is a single aligned segment.
  std::unique_ptr<block::IoQueue> create_queue(unsigned depth) override;
  void read(block::IoQueue& q, uint64_t sector, Segments data, StatusCallback cb) override;
  void write(block::IoQueue& q, uint64_t sector, Segments data, WriteCallback cb) override;
  void append(block::IoQueue& q, uint64_t zone_sector, Segments data, WriteCallback cb) override;
  // One write of zero_segments() (at most kMaxWriteZeroesBytes, else
  // kInvalidField).
  void write_zeroes(block::IoQueue& q, uint64_t sector, uint64_t bytes, WriteCallback cb) override;
  void discard(block::IoQueue& q, uint64_t sector, uint64_t bytes, StatusCallback cb) override;
  void flush(block::IoQueue& q, StatusCallback cb) override;
  void zone_op(block::IoQueue& q, ZoneOp op, uint64_t sector, StatusCallback cb) override;
  void zone_op_all(block::IoQueue& q, ZoneOp op, StatusCallback cb) override;

 private:
  // One zone's operation as a synchronous ioctl.
  ZoneStatus zone_op_at(ZoneOp op, uint32_t z);
  // A write of a buffer the device can take as it is (aligned, kept alive by
  // `keep` until the callback).
  void write_direct(block::IoQueue& q, uint64_t sector, Segments buf,
                    std::shared_ptr<const void> keep, WriteCallback cb);
  struct AppendZone;
  struct Append {
    block::IoQueue* q;
    Segments buf;  // one aligned segment, kept alive by `keep` (or the caller's)
    std::shared_ptr<const void> keep;
    WriteCallback cb;
    uint64_t generation = 0;
  };

  HostZonedDevice(std::unique_ptr<block::ZbdBackend> backend, ZoneGeometry geometry,
                  std::string path, bool read_only);
  ZoneStatus check_zone_start(uint64_t sector) const;
  // Reads one zone from the device.
  bool read_zone(uint32_t z, ZoneDescriptor& out) const;
  // Why a write/append of [sector, +sectors) to zone z failed, from the device's
  // current state of the zone and the errno.
  ZoneStatus classify_write_error(uint32_t z, uint64_t sector, uint64_t sectors, int error) const;
  void start_append(uint32_t z, Append a);
  void finish_append(uint32_t z, Append a, uint64_t sector, ZoneStatus st);
  void invalidate_append_wp(uint32_t z);
  // `data` as one block-aligned segment: itself when it is one aligned segment
  // (then `keep` stays null), else a copy in an aligned buffer held by `keep`.
  Segments direct_buffer(Segments data, std::shared_ptr<const void>& keep) const;

  std::unique_ptr<block::ZbdBackend> backend_;
  ZoneGeometry geometry_;
  std::string path_;
  bool read_only_;
  std::unique_ptr<AppendZone[]> append_zones_;
};

// Maps an errno from a host zoned device (write or zone operation) to a status
// when the zone state does not tell more: ETOOMANYREFS -> kOpenResource,
// EOVERFLOW -> kActiveResource, EINVAL -> kInvalidField, else kIoError.
ZoneStatus status_from_errno(int error);

}  // namespace zvmm::zoned

// Device-neutral zoned device: what a virtio-blk or NVMe ZNS front end needs.
// Implementations: EmulatedZonedDevice (ZoneEngine over a zoned image file,
// zoned/emulated_zoned_device.h) and HostZonedDevice (host zoned block device
// through libzbd, zoned/host_zoned_device.h). open_zoned_device()
// (zoned/open_zoned_device.h) builds either from a spec.
//
// Threading and completions are those of ZoneEngine (zone_engine.h): each
// device queue thread owns one IoQueue from create_queue(); submit_* never run
// the callback inline; callbacks run on that queue's thread in
// drain_completions(). Buffers must stay valid until the callback runs.
// Addresses in 512-byte sectors, lengths in bytes, both multiples of the
// logical block size. Guest-driven calls never throw: results are ZoneStatus.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "block/io_queue.h"
#include "block/io_vecs.h"
#include "zoned/zone_geometry.h"
#include "zoned/zone_status.h"
#include "zoned/zone_types.h"

namespace zvmm::zoned {

// Completion of a write or append: the first sector written (for appends, the
// assigned sector; 0 on failure).
using WriteCallback = std::function<void(ZoneStatus status, uint64_t sector)>;
using StatusCallback = std::function<void(ZoneStatus status)>;

// Result of a zone report (ZBC REPORT ZONES, NVMe Zone Management Receive,
// virtio-blk ZONE_REPORT).
struct ZoneReport {
  ZoneStatus status = ZoneStatus::kOk;  // kOutOfRange; kIoError if a host report failed
  size_t count = 0;                     // descriptors written to `out`
  // Zones from the start sector's zone to the end of the device that match the
  // filter, whether or not they fit (NVMe NR_ZONES without Partial Report).
  uint64_t matching = 0;
};

class ZonedDevice {
 public:
  virtual ~ZonedDevice() = default;

  // --- Geometry, model, limits (constant for the device's lifetime) ---------
  virtual const ZoneGeometry& geometry() const = 0;
  virtual bool read_only() const = 0;
  // "emulated /path/img" or "host /dev/nullb0": for logs and errors.
  virtual std::string description() const = 0;

  ZonedModel model() const { return geometry().model(); }
  uint64_t capacity_sectors() const { return geometry().device_sectors(); }
  uint64_t zone_sectors() const { return geometry().zone_sectors(); }
  uint64_t zone_capacity_sectors() const { return geometry().zone_capacity_sectors(); }
  uint32_t nr_zones() const { return geometry().nr_zones(); }
  uint32_t nr_conventional() const { return geometry().nr_conventional(); }
  uint32_t logical_block_size() const { return geometry().logical_block_size(); }
  uint32_t max_open() const { return geometry().max_open(); }      // 0 = unlimited
  uint32_t max_active() const { return geometry().max_active(); }  // 0 = unlimited
  uint64_t max_append_sectors() const { return geometry().max_append_sectors(); }

  // --- Queues -------------------------------------------------------------------
  // One per device queue (thread). Throws with context on failure (setup path).
  virtual std::unique_ptr<block::IoQueue> create_queue(unsigned depth) = 0;

  // --- Data path ------------------------------------------------------------------
  virtual void submit_read(block::IoQueue& q, uint64_t sector, std::span<uint8_t> buf,
                           StatusCallback cb) = 0;
  // cb gets the first sector written.
  virtual void submit_write(block::IoQueue& q, uint64_t sector, std::span<const uint8_t> buf,
                            WriteCallback cb) = 0;
  // zone_sector: start of a sequential-write-required zone; cb gets the
  // assigned sector.
  virtual void submit_append(block::IoQueue& q, uint64_t zone_sector,
                             std::span<const uint8_t> buf, WriteCallback cb) = 0;
  // A write of `bytes` zeros (moves the wp like a write; same rules).
  virtual void submit_write_zeroes(block::IoQueue& q, uint64_t sector, uint64_t bytes,
                                   WriteCallback cb) = 0;
  // Hint: conventional zones in the range may be deallocated (read zeros
  // afterwards on emulated devices); sequential zones are left alone (use a
  // zone reset). Range/alignment errors as for writes.
  virtual void submit_discard(block::IoQueue& q, uint64_t sector, uint64_t bytes,
                              StatusCallback cb) = 0;
  // Data and zone state durable once cb(kOk) runs.
  virtual void submit_flush(block::IoQueue& q, StatusCallback cb) = 0;

  // Scatter-gather forms of read, write and append (a guest's pages, a PRP
  // list): `iov` and its segments stay valid until cb runs. Devices that pass
  // the segments to their backend as they are say so with scatter_gather();
  // the defaults are correct for every device but go through one temporary
  // buffer (an allocation and a copy per request).
  virtual bool scatter_gather() const { return false; }
  virtual void submit_readv(block::IoQueue& q, uint64_t sector, block::IoVecs iov,
                            StatusCallback cb);
  virtual void submit_writev(block::IoQueue& q, uint64_t sector, block::IoVecs iov,
                             WriteCallback cb);
  virtual void submit_appendv(block::IoQueue& q, uint64_t zone_sector, block::IoVecs iov,
                              WriteCallback cb);

  // --- Zone management --------------------------------------------------------------
  // One zone: `sector` must be a zone start (kInvalidField), of a sequential
  // zone (kInvalidZoneOp). The state table is in docs/zoned-model.md.
  virtual void submit_zone_op(block::IoQueue& q, ZoneOp op, uint64_t sector,
                              StatusCallback cb) = 0;
  // Every zone `op` applies to (select_all_applies(): NVMe Select All; reset
  // is virtio-blk/ZBC reset-all); the others are skipped. Status: kOk, or the
  // first failure in zone order (the zones before it keep their new state).
  virtual void submit_zone_op_all(block::IoQueue& q, ZoneOp op, StatusCallback cb) = 0;

  // Zones from the one containing `sector` that match `filter`: at most
  // out.size() written, and how many match to the end of the device.
  // Synchronous; thread-safe. Out-of-range sector: kOutOfRange.
  virtual ZoneReport report_zones(uint64_t sector, ZoneFilter filter,
                                  std::span<ZoneDescriptor> out) = 0;
};

}  // namespace zvmm::zoned

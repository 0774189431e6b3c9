// Device-neutral zone engine: zone state machine, open/active accounting, write
// pointer tracking and data I/O to a block backend. Both the virtio-blk and the
// NVMe ZNS front ends drive it; it knows nothing about KVM or devices.
//
// Threading: any number of threads submit at once, each with its own IoQueue
// (block/io_queue.h). Callbacks run on the submitting queue's thread during its
// drain_completions(). There is no global lock: each zone has a mutex, and a
// small resource mutex guards the open/active counters on state transitions.
//
// Writes: the range is reserved under the zone lock (appends get it at the
// reserved pointer), the I/O runs without the lock, and completions publish the
// write pointer strictly in reservation order. A write is reported complete only
// once the published (and persisted) write pointer covers it. A failed write
// fails every write reserved after it and the reservation pointer falls back to
// the published write pointer, so the wp never claims data that is not there.
// Zone operations on a zone with writes in flight wait (are parked) until they
// complete. See docs/zoned-model.md.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>

#include "block/block_backend.h"
#include "zoned/zone_geometry.h"
#include "zoned/zone_state_store.h"
#include "zoned/zone_status.h"
#include "zoned/zone_types.h"
#include "zoned/zoned_device.h"  // WriteCallback, StatusCallback, ZoneReport

namespace zvmm::zoned {

struct ResourceCounts {
  uint32_t open = 0;
  uint32_t active = 0;
};

// Options of an engine as a ZonedDevice.
struct EngineOptions {
  // Writes, appends, write zeroes, discards and zone operations fail with
  // kZoneReadOnly (front ends also advertise read-only).
  bool read_only = false;
  std::string description = "emulated";  // ZonedDevice::description()
};

// The emulated zoned device: a ZonedDevice over any block backend and zone
// state store. Front ends use it through ZonedQueue handles (open_queue()).
class ZoneEngine final : public ZonedDevice {
 public:
  // data_offset: byte offset of sector 0 in the backend. Loads every zone's state
  // from the store (a power-on: see power_on_close()); throws
  // std::runtime_error if the stored state is inconsistent with the geometry
  // (e.g. more active zones than allowed). `data` and `store` must outlive the
  // engine, unless adopt() hands their owner to it.
  ZoneEngine(ZoneGeometry geometry, block::BlockBackend& data, uint64_t data_offset,
             ZoneStateStore& store, EngineOptions options = {});
  ~ZoneEngine() override;
  ZoneEngine(const ZoneEngine&) = delete;
  ZoneEngine& operator=(const ZoneEngine&) = delete;

  // Keeps `owner` (e.g. the image holding the backend and the store) alive as
  // long as the engine: destroyed after everything else in it.
  void adopt(std::shared_ptr<void> owner) { owner_ = std::move(owner); }

  const ZoneGeometry& geometry() const override { return geometry_; }
  bool read_only() const override { return options_.read_only; }
  std::string description() const override { return options_.description; }

  // Fills `out` with zones from the one containing `sector` that match the
  // filter and counts every match to the end (ZoneReport). One linear pass.
  ZoneReport report_zones(uint64_t sector, ZoneFilter filter,
                          std::span<ZoneDescriptor> out) override;
  ZoneReport report_zones(uint64_t sector, ZoneFilter filter, std::span<ZoneDescriptor> out) const;
  ZoneDescriptor zone(uint32_t index) const;

  // Fault injection (control socket): READONLY or OFFLINE, from any state
  // (OFFLINE also from READONLY). Releases the zone's resources.
  ZoneStatus inject_condition(uint64_t sector, ZoneCondition cond);

  ResourceCounts resource_counts() const;

  // Power-on / controller reset of the zoned device: every open zone (IMP_OPEN
  // or EXP_OPEN) becomes CLOSED, or EMPTY if nothing was written to it; write
  // pointers and data stay and the open count drops to zero. ZBC-2 (zone
  // conditions after power on) and NVMe ZNS (controller level reset: ZSIO/ZSEO
  // -> ZSC); see docs/zoned-model.md "Restart". The constructor applies it to
  // the stored state; an NVMe controller reset calls it once its queues are
  // quiesced (writes still in flight complete into the CLOSED zone).
  void power_on_close();
  // ZonedDevice: power_on_close().
  void power_cycle_zones() override { power_on_close(); }

 protected:
  // ZonedDevice, through ZonedQueue (zoned_device.h documents each call).
  std::unique_ptr<block::IoQueue> create_queue(unsigned depth) override;
  void read(block::IoQueue& q, uint64_t sector, Segments data, StatusCallback cb) override;
  void write(block::IoQueue& q, uint64_t sector, Segments data, WriteCallback cb) override;
  void append(block::IoQueue& q, uint64_t zone_sector, Segments data, WriteCallback cb) override;
  // A write of zero_segments() (at most kMaxWriteZeroesBytes).
  void write_zeroes(block::IoQueue& q, uint64_t sector, uint64_t bytes, WriteCallback cb) override;
  // Deallocates the conventional zones' part of the range (reads zeros after);
  // sequential zones in the range are left alone. Range/alignment checked.
  void discard(block::IoQueue& q, uint64_t sector, uint64_t bytes, StatusCallback cb) override;
  void flush(block::IoQueue& q, StatusCallback cb) override;
  // Waits (parked) while writes to the zone are in flight.
  void zone_op(block::IoQueue& q, ZoneOp op, uint64_t sector, StatusCallback cb) override;
  // Select All: `op` on every sequential zone select_all_applies() to at the
  // time the zone's turn comes; kOk or the first failure in zone order.
  // Reset-all never fails.
  void zone_op_all(block::IoQueue& q, ZoneOp op, StatusCallback cb) override;

 private:
  struct Zone;
  struct PendingWrite;

  void write_checked(block::IoQueue& q, uint64_t sector, Segments data, uint64_t size,
                     WriteCallback cb);
  void write_conventional(block::IoQueue& q, uint64_t sector, Segments data, uint64_t size,
                          WriteCallback cb);
  void write_sequential(block::IoQueue& q, uint32_t z, uint64_t sector, bool append, Segments data,
                        uint64_t size, WriteCallback cb);
  void complete_write(uint32_t z, uint32_t id, int64_t result);
  // select_all: skip (kOk) a zone select_all_applies() does not cover.
  void zone_op_at(block::IoQueue& q, ZoneOp op, uint32_t z, bool select_all, StatusCallback cb);
  // Open, close, offline: state only. Caller holds zone.mu.
  ZoneStatus execute_zone_op(uint32_t z, Zone& zone, ZoneOp op);
  // Finish and reset, whose discard goes through `q`; `lock` holds zone z's
  // mutex and is released before the discard is submitted.
  void finish_or_reset(block::IoQueue& q, ZoneOp op, uint32_t z, std::unique_lock<std::mutex>& lock,
                       StatusCallback cb);
  void finish_or_reset_done(ZoneOp op, uint32_t z, int64_t result, StatusCallback cb);
  // Changes the zone's condition with open/active accounting. When a limit is
  // reached it first auto-closes an IMP_OPEN zone (see auto_close_one); only
  // when none can be closed does it fail with kOpenResource / kActiveResource.
  // Caller holds zone.mu (and no other zone lock).
  ZoneStatus change_condition(uint32_t z, Zone& zone, ZoneCondition to);
  // Closes the lowest-numbered IMP_OPEN zone other than `except`, writes in
  // flight or not (it becomes EMPTY if nothing is written or reserved in it,
  // else CLOSED); with need_empty only such a data-less zone qualifies (to free
  // an active slot). Waits for a busy victim's lock with `res` (resource_mu_)
  // released, so the caller must re-check the counters. Returns true when it
  // closed a zone or released `res` (the counters may have changed), false
  // when no zone qualifies.
  bool auto_close_one(uint32_t except, bool need_empty, std::unique_lock<std::mutex>& res);
  void persist(uint32_t z, const Zone& zone);
  ZoneDescriptor describe(uint32_t z, const Zone& zone) const;
  uint64_t visible_end(uint32_t z, const Zone& zone) const;
  static void fail(block::IoQueue& q, WriteCallback cb, ZoneStatus s);
  static void fail(block::IoQueue& q, StatusCallback cb, ZoneStatus s);

  std::shared_ptr<void> owner_;  // first: destroyed last (adopt())
  ZoneGeometry geometry_;
  EngineOptions options_;
  block::BlockBackend& data_;
  uint64_t data_offset_;
  ZoneStateStore& store_;
  std::unique_ptr<Zone[]> zones_;  // sequential zones only matter; indexed by zone number

  mutable std::mutex resource_mu_;
  uint32_t open_ = 0;
  uint32_t active_ = 0;
  std::set<uint32_t> implicit_open_;  // auto-close candidates
};

}  // namespace zvmm::zoned

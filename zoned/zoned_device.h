// The storage contract between every front end (virtio-blk, NVMe ZNS) and the
// zoned backends: a ZonedDevice (geometry, limits, reports) hands each
// front-end queue (one thread) a ZonedQueue, the per-queue handle through which
// all I/O and zone management go.
//
// Implementations: ZoneEngine (zone_engine.h: the emulated device, over a
// zoned image, a plain file, or any backend in tests) and HostZonedDevice
// (host_zoned_device.h: a host zoned block device through libzbd).
// open_zoned_device() (open_zoned_device.h) builds either from a spec.
//
// Data is always a list of segments (Segments: a guest's pages, a PRP list; a
// flat buffer is a one-segment list); a device that needs aligned buffers
// bounces inside itself. Addresses are 512-byte sectors, lengths bytes, both
// multiples of the logical block size (else kMisaligned). Completions: a call
// never runs its callback inline; callbacks run on the queue's thread inside
// ZonedQueue::drain() (or wait()). Segments and their array must stay valid
// until the callback ran. Guest-driven calls never throw: results are
// ZoneStatus (docs/zoned-model.md maps them to virtio-blk and NVMe statuses).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "block/io_queue.h"
#include "block/io_vecs.h"
#include "zoned/zone_geometry.h"
#include "zoned/zone_status.h"
#include "zoned/zone_types.h"

namespace zvmm::zoned {

// Caller-owned memory segments, in order (struct iovec).
using Segments = block::IoVecs;
// Most segments one backend request takes (UIO_MAXIOV, one readv/writev);
// ZonedQueue bounces longer lists through one buffer.
inline constexpr size_t kMaxSegments = 1024;

// Write zeroes is a write of a segment list over one shared, never written,
// 4 KiB-aligned zero buffer of kZeroChunkBytes: at most kMaxSegments of them
// (ZonedQueue::write_zeroes refuses more with kInvalidField).
inline constexpr uint64_t kZeroChunkBytes = 1 << 20;
inline constexpr uint64_t kMaxWriteZeroesBytes = kMaxSegments * kZeroChunkBytes;
// The segments for `bytes` of zeros (bytes <= kMaxWriteZeroesBytes); keep the
// list alive until the write's callback ran.
std::shared_ptr<const std::vector<iovec>> zero_segments(uint64_t bytes);

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

class ZonedQueue;
class InstrumentedDevice;

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

  // One handle per front-end queue, used from one thread. `depth`: requests
  // it keeps in flight at most (sizes the backend ring). Throws with context
  // (setup path).
  std::unique_ptr<ZonedQueue> open_queue(unsigned depth);

  // Zones from the one containing `sector` that match `filter`: at most
  // out.size() written, and how many match to the end of the device.
  // Synchronous; thread-safe. Out-of-range sector: kOutOfRange.
  virtual ZoneReport report_zones(uint64_t sector, ZoneFilter filter,
                                  std::span<ZoneDescriptor> out) = 0;

  // A power cycle of the zone state, for a front end's controller level
  // reset (NVMe CC.EN 1 -> 0, and CC.SHN shutdown): every IMP_OPEN or
  // EXP_OPEN zone becomes CLOSED, or EMPTY if nothing was written in it;
  // write pointers, data and the other conditions stay (the rule a new zvmm
  // applies when it opens an image; docs/zoned-model.md "Restart").
  // Call it with the front end's queues quiesced (no request of the front
  // end in flight). Thread-safe. Emulated devices (ZoneEngine) apply it; the
  // default, and HostZonedDevice, do nothing: a host zoned device keeps its
  // own state, which a guest's controller reset does not power cycle.
  virtual void power_cycle_zones() {}

 protected:
  friend class ZonedQueue;
  friend class InstrumentedDevice;  // the decorator forwards these calls (instrumented_device.h)
  // What a ZonedQueue calls, with its backend queue `q` (the implementation's
  // own, from create_queue()). Semantics as documented on ZonedQueue.
  virtual std::unique_ptr<block::IoQueue> create_queue(unsigned depth) = 0;
  virtual void read(block::IoQueue& q, uint64_t sector, Segments data, StatusCallback cb) = 0;
  virtual void write(block::IoQueue& q, uint64_t sector, Segments data, WriteCallback cb) = 0;
  virtual void append(block::IoQueue& q, uint64_t zone_sector, Segments data,
                      WriteCallback cb) = 0;
  virtual void write_zeroes(block::IoQueue& q, uint64_t sector, uint64_t bytes,
                            WriteCallback cb) = 0;
  virtual void discard(block::IoQueue& q, uint64_t sector, uint64_t bytes, StatusCallback cb) = 0;
  virtual void flush(block::IoQueue& q, StatusCallback cb) = 0;
  virtual void zone_op(block::IoQueue& q, ZoneOp op, uint64_t sector, StatusCallback cb) = 0;
  virtual void zone_op_all(block::IoQueue& q, ZoneOp op, StatusCallback cb) = 0;
};

// A front-end queue's handle on a ZonedDevice: owns the backend queue (an
// io_uring ring, or a synchronous queue) and is used from one thread.
// Destroy it only once every callback of its requests ran (a front end counts
// its outstanding requests, as BlkQueue::quiesce does): a request parked in
// the device behind another queue's write or zone operation still refers to
// this queue, and wait_idle() sees only backend I/O.
class ZonedQueue final {
 public:
  ZonedQueue(ZonedDevice& device, std::unique_ptr<block::IoQueue> io)
      : device_(device), io_(std::move(io)) {}
  ~ZonedQueue() { wait_idle(); }
  ZonedQueue(const ZonedQueue&) = delete;
  ZonedQueue& operator=(const ZonedQueue&) = delete;

  ZonedDevice& device() const { return device_; }

  // --- Data ---------------------------------------------------------------------
  // Reads at or above a zone's write pointer return zeros. OFFLINE zone:
  // kZoneOffline.
  void read(uint64_t sector, Segments data, StatusCallback cb) {
    if (data.size() > kMaxSegments) return bounced_read(sector, data, std::move(cb));
    device_.read(*io_, sector, data, std::move(cb));
  }
  // Sequential zones: at the write pointer (host-aware: anywhere below the
  // capacity), within the zone capacity; may auto-close an implicitly open
  // zone. cb gets `sector`.
  void write(uint64_t sector, Segments data, WriteCallback cb) {
    if (data.size() > kMaxSegments) return bounced_write(false, sector, data, std::move(cb));
    device_.write(*io_, sector, data, std::move(cb));
  }
  // Zone append (virtio-blk ZONE_APPEND, NVMe Zone Append): `zone_sector` is
  // the start of a sequential-write-required zone; at most max_append_sectors;
  // cb gets the assigned sector.
  void append(uint64_t zone_sector, Segments data, WriteCallback cb) {
    if (data.size() > kMaxSegments) return bounced_write(true, zone_sector, data, std::move(cb));
    device_.append(*io_, zone_sector, data, std::move(cb));
  }
  // `bytes` of zeros at `sector`, under the rules of a write (moves the wp).
  // Never allocates a buffer of that size.
  void write_zeroes(uint64_t sector, uint64_t bytes, WriteCallback cb) {
    device_.write_zeroes(*io_, sector, bytes, std::move(cb));
  }
  // Deallocation hint: the conventional zones' part of the range reads zeros
  // afterwards on emulated devices; sequential zones are left alone (a zone
  // reset reclaims them). Range and alignment errors as for writes.
  void discard(uint64_t sector, uint64_t bytes, StatusCallback cb) {
    device_.discard(*io_, sector, bytes, std::move(cb));
  }
  // Data and zone state are durable once cb(kOk) runs.
  void flush(StatusCallback cb) { device_.flush(*io_, std::move(cb)); }

  // --- Zone management ----------------------------------------------------------
  // One zone: `sector` must be its start (kInvalidField), of a sequential zone
  // (kInvalidZoneOp). Waits for writes in flight to that zone.
  void zone_op(ZoneOp op, uint64_t sector, StatusCallback cb) {
    device_.zone_op(*io_, op, sector, std::move(cb));
  }
  // Every zone `op` applies to (select_all_applies(): NVMe Select All; reset
  // is virtio-blk/ZBC reset-all); the others are skipped. Status: kOk, or the
  // first failure in zone order (zones before it keep their new state).
  void zone_op_all(ZoneOp op, StatusCallback cb) { device_.zone_op_all(*io_, op, std::move(cb)); }

  // --- Event loop -----------------------------------------------------------------
  // Readable (an eventfd) when completions wait; consume_signal() before drain().
  int completion_fd() const { return io_->completion_fd(); }
  void consume_signal() { io_->consume_signal(); }
  // Completions that finished during a call wait without an fd signal: drain
  // right after submitting (after unplug()).
  bool has_ready() const { return io_->has_ready(); }
  // Runs every ready callback; never blocks. Returns how many ran.
  size_t drain() { return io_->drain_completions(); }
  // Drains, or blocks until something completes and then drains.
  size_t wait() { return io_->wait_completions(); }
  // Batching hint: calls between plug() and unplug() may reach the backend
  // together at unplug() (one io_uring_enter). Not nested.
  void plug() { io_->plug(); }
  void unplug() { io_->unplug(); }
  // Backend I/Os started and not yet completed (not the callbacks pending).
  size_t in_flight() const { return io_->in_flight(); }
  // Waits until no backend I/O is in flight, running callbacks meanwhile.
  void wait_idle() {
    while (io_->in_flight() > 0) io_->wait_completions();
    io_->drain_completions();
  }

 private:
  // More than kMaxSegments: through one buffer (allocated per request).
  void bounced_read(uint64_t sector, Segments data, StatusCallback cb);
  void bounced_write(bool append, uint64_t sector, Segments data, WriteCallback cb);

  ZonedDevice& device_;
  std::unique_ptr<block::IoQueue> io_;
};

inline std::unique_ptr<ZonedQueue> ZonedDevice::open_queue(unsigned depth) {
  return std::make_unique<ZonedQueue>(*this, create_queue(depth));
}

}  // namespace zvmm::zoned

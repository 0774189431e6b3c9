#include "zoned/zone_engine.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace zvmm::zoned {

struct ZoneEngine::PendingWrite {
  uint32_t id = 0;  // per zone, wraps; unique among the (few) writes in flight
  uint64_t start = 0;
  uint64_t end = 0;
  block::IoQueue* q = nullptr;
  WriteCallback cb;
  bool done = false;
  ZoneStatus status = ZoneStatus::kOk;
};

struct ZoneEngine::Zone {
  mutable std::mutex mu;
  ZoneCondition cond = ZoneCondition::kNotWp;
  bool non_seq = false;
  uint64_t wp = 0;        // published write pointer (absolute sector)
  uint64_t reserved = 0;  // next append position / highest reserved end
  std::deque<PendingWrite> inflight;  // in reservation order
  uint32_t next_id = 0;
  bool failed = false;  // a write failed; later reservations fail until drained
  // A finish or reset is waiting for its discard on a queue: writes and zone
  // operations wait (parked) until it completed.
  bool busy = false;
  // A vector, not a deque: an empty libstdc++ deque allocates, and complete_write
  // swaps this list out on every completion.
  std::vector<std::pair<block::IoQueue*, std::function<void()>>> parked;
};

namespace {

struct ReadJob {
  size_t remaining = 0;
  ZoneStatus status = ZoneStatus::kOk;
  StatusCallback cb;
  std::vector<std::vector<iovec>> slices;  // scatter-gather reads: one list per extent
};

// Write completions published by one complete_write(): almost always one, so
// the first few live on the stack (no allocation on the data path).
template <typename T, size_t N>
class InlineList {
 public:
  void push_back(T item) {
    if (size_ < N) inline_[size_] = std::move(item);
    else spill_.push_back(std::move(item));
    ++size_;
  }
  template <typename F>
  void for_each(F&& f) {
    for (size_t i = 0; i < size_; ++i) f(i < N ? inline_[i] : spill_[i - N]);
  }

 private:
  std::array<T, N> inline_{};
  std::vector<T> spill_;
  size_t size_ = 0;
};

// Extents of one read; reused per thread (submit_read never runs callbacks, so
// it is not re-entered).
thread_local std::vector<std::pair<uint64_t, uint64_t>> read_extents;

}  // namespace

ZoneEngine::ZoneEngine(ZoneGeometry geometry, block::BlockBackend& data, uint64_t data_offset,
                       ZoneStateStore& store, EngineOptions options)
    : geometry_(std::move(geometry)),
      options_(std::move(options)),
      data_(data),
      data_offset_(data_offset),
      store_(store),
      zones_(std::make_unique<Zone[]>(geometry_.nr_zones())) {
  for (uint32_t z = 0; z < geometry_.nr_zones(); ++z) {
    Zone& zone = zones_[z];
    const uint64_t start = geometry_.zone_start(z);
    if (!geometry_.is_sequential(z)) {
      zone.cond = ZoneCondition::kNotWp;
      zone.wp = zone.reserved = start + geometry_.zone_len(z);
      continue;
    }
    PersistedZone p = store_.load(z);
    const uint64_t cap = geometry_.zone_capacity(z);
    if (p.cond == ZoneCondition::kNotWp || p.wp_offset > cap) {
      throw std::runtime_error("zone " + std::to_string(z) + ": stored state (" +
                               std::string(to_string(p.cond)) + ", wp +" +
                               std::to_string(p.wp_offset) + ") is invalid for a sequential zone");
    }
    zone.cond = p.cond;
    zone.non_seq = p.non_seq;
    if (p.cond == ZoneCondition::kEmpty) p.wp_offset = 0;
    if (p.cond == ZoneCondition::kFull) p.wp_offset = cap;
    zone.wp = zone.reserved = start + p.wp_offset;
    // Opening the image is a power-on: no zone stays open (see power_on_close()).
    // A read-only device leaves the image as it is (the closing is in RAM).
    if (is_open(zone.cond)) {
      zone.cond = p.wp_offset == 0 ? ZoneCondition::kEmpty : ZoneCondition::kClosed;
      if (!options_.read_only) persist(z, zone);
    }
    if (is_active(zone.cond)) ++active_;
  }
  if (geometry_.max_active() && active_ > geometry_.max_active()) {
    throw std::runtime_error("stored zone state has " + std::to_string(active_) +
                             " active zones, above the limit of " +
                             std::to_string(geometry_.max_active()));
  }
}

void ZoneEngine::power_on_close() {
  for (uint32_t z = geometry_.nr_conventional(); z < geometry_.nr_zones(); ++z) {
    Zone& zone = zones_[z];
    std::lock_guard lock(zone.mu);
    if (!is_open(zone.cond)) continue;
    change_condition(z, zone, zone.reserved == geometry_.zone_start(z) ? ZoneCondition::kEmpty
                                                                       : ZoneCondition::kClosed);
    persist(z, zone);
  }
}

ZoneEngine::~ZoneEngine() = default;

void ZoneEngine::fail(block::IoQueue& q, WriteCallback cb, ZoneStatus s) {
  q.post([cb = std::move(cb), s] { cb(s, 0); });
}

void ZoneEngine::fail(block::IoQueue& q, StatusCallback cb, ZoneStatus s) {
  q.post([cb = std::move(cb), s] { cb(s); });
}

uint64_t ZoneEngine::visible_end(uint32_t z, const Zone& zone) const {
  switch (zone.cond) {
    case ZoneCondition::kNotWp: return geometry_.zone_start(z) + geometry_.zone_len(z);
    case ZoneCondition::kEmpty: return geometry_.zone_start(z);
    case ZoneCondition::kFull: return geometry_.zone_start(z) + geometry_.zone_capacity(z);
    default: return zone.wp;
  }
}

void ZoneEngine::persist(uint32_t z, const Zone& zone) {
  store_.save(z, {zone.cond, zone.non_seq, zone.wp - geometry_.zone_start(z)});
}

ZoneDescriptor ZoneEngine::describe(uint32_t z, const Zone& zone) const {
  ZoneDescriptor d;
  d.start = geometry_.zone_start(z);
  d.len = geometry_.zone_len(z);
  d.capacity = geometry_.zone_capacity(z);
  d.type = geometry_.zone_type(z);
  d.cond = zone.cond;
  d.non_seq = zone.non_seq;
  switch (zone.cond) {
    case ZoneCondition::kNotWp: d.wp = d.start + d.len; break;
    case ZoneCondition::kFull: d.wp = d.start + d.capacity; break;
    default: d.wp = zone.wp; break;
  }
  return d;
}

ZoneDescriptor ZoneEngine::zone(uint32_t index) const {
  const Zone& zone = zones_[index];
  std::lock_guard lock(zone.mu);
  return describe(index, zone);
}

ZoneReport ZoneEngine::report_zones(uint64_t sector, ZoneFilter filter,
                                    std::span<ZoneDescriptor> out) {
  return std::as_const(*this).report_zones(sector, filter, out);
}

ZoneReport ZoneEngine::report_zones(uint64_t sector, ZoneFilter filter,
                                    std::span<ZoneDescriptor> out) const {
  ZoneReport report;
  if (sector >= geometry_.device_sectors()) {
    report.status = ZoneStatus::kOutOfRange;
    return report;
  }
  for (uint32_t z = geometry_.zone_index(sector); z < geometry_.nr_zones(); ++z) {
    ZoneDescriptor d = zone(z);
    if (!matches(filter, d)) continue;
    if (report.count < out.size()) out[report.count++] = d;
    ++report.matching;
  }
  return report;
}

ResourceCounts ZoneEngine::resource_counts() const {
  std::lock_guard lock(resource_mu_);
  return {open_, active_};
}

// ---- condition changes and resources ----

bool ZoneEngine::auto_close_one(uint32_t except, bool need_empty,
                                std::unique_lock<std::mutex>& res) {
  std::vector<uint32_t> passed;  // IMP_OPEN zones with data, when need_empty
  for (;;) {
    auto it = std::find_if(implicit_open_.begin(), implicit_open_.end(), [&](uint32_t y) {
      return y != except && std::find(passed.begin(), passed.end(), y) == passed.end();
    });
    if (it == implicit_open_.end()) return false;
    const uint32_t y = *it;
    Zone& victim = zones_[y];
    std::unique_lock lock(victim.mu, std::try_to_lock);
    if (!lock.owns_lock()) {
      // Busy (a read, a completion, a write reserving its range): wait for it
      // without holding resource_mu_, whose holders may need the victim's lock
      // next, spinning on try_lock (and yielding) while the caller keeps its
      // own zone's lock. This ends: the caller's zone is EMPTY or CLOSED, so
      // it is in nobody's victim set, and a victim is picked from
      // implicit_open_ under resource_mu_ while zones leave IMP_OPEN only with
      // their lock and resource_mu_ held; a chain of spinning callers, each
      // holding the zone the next one picked, would need its lock times in a
      // circle. Holders of resource_mu_ only ever try zone locks.
      res.unlock();
      while (!lock.try_lock()) std::this_thread::yield();
      res.lock();
      // resource_mu_ was released: slots may have been freed meanwhile, and
      // the victim may have changed. Let the caller look at the counters
      // again before anything is closed.
      return true;
    }
    // Writes in flight may be closed over: they complete into the CLOSED zone.
    const bool empty = victim.reserved == geometry_.zone_start(y);
    if (need_empty && !empty) {
      passed.push_back(y);
      continue;
    }
    victim.cond = empty ? ZoneCondition::kEmpty : ZoneCondition::kClosed;
    --open_;
    if (empty) --active_;
    implicit_open_.erase(y);
    persist(y, victim);
    return true;
  }
}

ZoneStatus ZoneEngine::change_condition(uint32_t z, Zone& zone, ZoneCondition to) {
  const ZoneCondition from = zone.cond;
  if (from == to) return ZoneStatus::kOk;
  const int d_open = int{is_open(to)} - int{is_open(from)};
  const int d_active = int{is_active(to)} - int{is_active(from)};
  std::unique_lock res(resource_mu_);
  const uint32_t max_active = geometry_.max_active(), max_open = geometry_.max_open();
  // auto_close_one may drop resource_mu_ while it waits for a victim, so the
  // limits are checked again after each close.
  for (;;) {
    if (d_active > 0 && max_active && active_ >= max_active) {
      // Only an IMP_OPEN zone with no data can give an active slot back (it
      // becomes EMPTY); EXP_OPEN and CLOSED zones keep theirs.
      if (!auto_close_one(z, /*need_empty=*/true, res)) return ZoneStatus::kActiveResource;
      continue;
    }
    if (d_open > 0 && max_open && open_ >= max_open) {
      if (!auto_close_one(z, /*need_empty=*/false, res)) return ZoneStatus::kOpenResource;
      continue;
    }
    break;
  }
  open_ = static_cast<uint32_t>(static_cast<int>(open_) + d_open);
  active_ = static_cast<uint32_t>(static_cast<int>(active_) + d_active);
  if (from == ZoneCondition::kImplicitOpen) implicit_open_.erase(z);
  if (to == ZoneCondition::kImplicitOpen) implicit_open_.insert(z);
  zone.cond = to;
  return ZoneStatus::kOk;
}

// ---- reads ----

std::unique_ptr<block::IoQueue> ZoneEngine::create_queue(unsigned depth) {
  return data_.create_queue(depth);
}

void ZoneEngine::read(block::IoQueue& q, uint64_t sector, Segments data, StatusCallback cb) {
  const uint64_t size = block::total_bytes(data);
  if (ZoneStatus st = geometry_.check_range(sector, size); st != ZoneStatus::kOk) {
    return fail(q, std::move(cb), st);
  }
  const uint64_t end = sector + size / kSectorSize;
  auto& extents = read_extents;  // [begin, end) sectors to read
  extents.clear();
  for (uint64_t s = sector; s < end;) {
    const uint32_t z = geometry_.zone_index(s);
    const uint64_t zone_end = std::min(geometry_.zone_start(z) + geometry_.zone_len(z), end);
    uint64_t visible = zone_end;
    if (geometry_.is_sequential(z)) {
      const Zone& zone = zones_[z];
      std::lock_guard lock(zone.mu);
      if (zone.cond == ZoneCondition::kOffline) return fail(q, std::move(cb), ZoneStatus::kZoneOffline);
      visible = std::clamp(visible_end(z, zone), s, zone_end);
    }
    if (visible > s) {
      if (!extents.empty() && extents.back().second == s) extents.back().second = visible;
      else extents.emplace_back(s, visible);
    }
    // Above the write pointer: the fill pattern (zeros), never stale data.
    const uint64_t fill_at = (visible - sector) * kSectorSize, fill = (zone_end - visible) * kSectorSize;
    block::zero(data, fill_at, fill);
    s = zone_end;
  }
  if (extents.empty()) return fail(q, std::move(cb), ZoneStatus::kOk);
  auto done = [](StatusCallback& cb, int64_t r) { cb(r < 0 ? ZoneStatus::kIoError : ZoneStatus::kOk); };
  if (extents.size() == 1) {  // the common case: no shared completion state
    const auto [b, e] = extents.front();
    const uint64_t at = (b - sector) * kSectorSize, len = (e - b) * kSectorSize;
    if (at == 0 && len == size) {
      return q.submit_readv(data_offset_ + b * kSectorSize, data,
                            [cb = std::move(cb), done](int64_t r) mutable { done(cb, r); });
    }
  }
  auto job = std::make_shared<ReadJob>();
  job->remaining = extents.size();
  job->cb = std::move(cb);
  job->slices.resize(extents.size());  // before any submit: stable storage
  for (size_t i = 0; i < extents.size(); ++i) {
    const auto [b, e] = extents[i];
    const uint64_t at = (b - sector) * kSectorSize, len = (e - b) * kSectorSize;
    auto part_done = [job](int64_t r) {
      if (r < 0) job->status = ZoneStatus::kIoError;
      if (--job->remaining == 0) job->cb(job->status);
    };
    block::slice(data, at, len, job->slices[i]);
    q.submit_readv(data_offset_ + b * kSectorSize, job->slices[i], std::move(part_done));
  }
}

// ---- writes ----

void ZoneEngine::write(block::IoQueue& q, uint64_t sector, Segments data, WriteCallback cb) {
  write_checked(q, sector, data, block::total_bytes(data), std::move(cb));
}

void ZoneEngine::write_checked(block::IoQueue& q, uint64_t sector, Segments data, uint64_t size,
                               WriteCallback cb) {
  if (options_.read_only) return fail(q, std::move(cb), ZoneStatus::kZoneReadOnly);
  if (ZoneStatus st = geometry_.check_range(sector, size); st != ZoneStatus::kOk) {
    return fail(q, std::move(cb), st);
  }
  const uint32_t z = geometry_.zone_index(sector);
  if (!geometry_.is_sequential(z)) return write_conventional(q, sector, data, size, std::move(cb));
  write_sequential(q, z, sector, false, data, size, std::move(cb));
}

void ZoneEngine::append(block::IoQueue& q, uint64_t zone_sector, Segments data, WriteCallback cb) {
  if (options_.read_only) return fail(q, std::move(cb), ZoneStatus::kZoneReadOnly);
  const uint64_t size = block::total_bytes(data);
  if (ZoneStatus st = geometry_.check_range(zone_sector, 0); st != ZoneStatus::kOk) {
    return fail(q, std::move(cb), st);
  }
  if (size % geometry_.logical_block_size()) return fail(q, std::move(cb), ZoneStatus::kMisaligned);
  const uint32_t z = geometry_.zone_index(zone_sector);
  if (geometry_.zone_type(z) != ZoneType::kSequentialWriteRequired) {
    return fail(q, std::move(cb), ZoneStatus::kInvalidZoneOp);
  }
  if (zone_sector != geometry_.zone_start(z)) return fail(q, std::move(cb), ZoneStatus::kInvalidField);
  if (size / kSectorSize > geometry_.max_append_sectors()) {
    return fail(q, std::move(cb), ZoneStatus::kAppendTooLarge);
  }
  write_sequential(q, z, zone_sector, true, data, size, std::move(cb));
}

void ZoneEngine::write_zeroes(block::IoQueue& q, uint64_t sector, uint64_t bytes, WriteCallback cb) {
  if (bytes > kMaxWriteZeroesBytes) return fail(q, std::move(cb), ZoneStatus::kInvalidField);
  // A list of at most 1024 iovecs over one shared zero buffer, not a buffer
  // of the request's length.
  auto segments = zero_segments(bytes);
  write_checked(q, sector, *segments, bytes,
                [segments, cb = std::move(cb)](ZoneStatus st, uint64_t s) { cb(st, s); });
}

void ZoneEngine::write_conventional(block::IoQueue& q, uint64_t sector, Segments data,
                                    uint64_t size, WriteCallback cb) {
  const uint64_t end = sector + size / kSectorSize;
  if (end > geometry_.zone_start(geometry_.nr_conventional())) {
    return fail(q, std::move(cb), ZoneStatus::kBoundaryError);
  }
  q.submit_writev(data_offset_ + sector * kSectorSize, data, [cb = std::move(cb), sector](int64_t r) {
    cb(r < 0 ? ZoneStatus::kIoError : ZoneStatus::kOk, sector);
  });
}

void ZoneEngine::write_sequential(block::IoQueue& q, uint32_t z, uint64_t sector, bool append,
                                  Segments data, uint64_t size, WriteCallback cb) {
  Zone& zone = zones_[z];
  std::unique_lock lock(zone.mu);
  if (!zone.parked.empty() || zone.failed || zone.busy) {
    zone.parked.emplace_back(&q, [this, &q, z, sector, append, data, size, cb = std::move(cb)]() mutable {
      write_sequential(q, z, sector, append, data, size, std::move(cb));
    });
    return;
  }
  const bool host_aware = geometry_.zone_type(z) == ZoneType::kSequentialWritePreferred;
  switch (zone.cond) {
    case ZoneCondition::kReadOnly: return fail(q, std::move(cb), ZoneStatus::kZoneReadOnly);
    case ZoneCondition::kOffline: return fail(q, std::move(cb), ZoneStatus::kZoneOffline);
    case ZoneCondition::kFull:
      // A host-aware (SWP) zone accepts writes anywhere below its capacity,
      // FULL included (ZBC; scsi_debug): Linux uses it as a regular disk.
      if (!host_aware || append) return fail(q, std::move(cb), ZoneStatus::kZoneFull);
      break;
    default: break;
  }
  const uint64_t cap_end = geometry_.zone_start(z) + geometry_.zone_capacity(z);
  if (append) sector = zone.reserved;
  const uint64_t end = sector + size / kSectorSize;
  if (!host_aware && sector != zone.reserved) return fail(q, std::move(cb), ZoneStatus::kUnalignedWrite);
  if (zone.reserved == cap_end && sector == cap_end) return fail(q, std::move(cb), ZoneStatus::kZoneFull);
  if (end > cap_end) return fail(q, std::move(cb), ZoneStatus::kBoundaryError);
  if (end == sector) {  // zero length: nothing to do, no state change
    lock.unlock();
    return q.post([cb = std::move(cb), sector] { cb(ZoneStatus::kOk, sector); });
  }
  const ZoneCondition old_cond = zone.cond;
  const bool old_non_seq = zone.non_seq;
  if (zone.cond == ZoneCondition::kEmpty || zone.cond == ZoneCondition::kClosed) {
    if (ZoneStatus st = change_condition(z, zone, ZoneCondition::kImplicitOpen); st != ZoneStatus::kOk) {
      return fail(q, std::move(cb), st);
    }
  }
  if (host_aware && sector != zone.reserved) {
    zone.non_seq = true;
    if (sector > zone.reserved) {
      // The write pointer will jump over [reserved, sector): make it read as zeros.
      if (data_.discard(data_offset_ + zone.reserved * kSectorSize,
                        (sector - zone.reserved) * kSectorSize) < 0) {
        persist(z, zone);
        return fail(q, std::move(cb), ZoneStatus::kIoError);
      }
    }
  }
  const uint32_t id = zone.next_id++;
  zone.inflight.push_back({id, sector, end, &q, std::move(cb)});
  zone.reserved = std::max(zone.reserved, end);
  // The reservation moves no persisted state (the wp moves on completion)
  // unless the condition or non_seq changed.
  if (zone.cond != old_cond || zone.non_seq != old_non_seq) persist(z, zone);
  lock.unlock();
  // Two words of capture: fits std::function's inline storage (no allocation).
  const uint64_t key = uint64_t{z} << 32 | id;
  q.submit_writev(data_offset_ + sector * kSectorSize, data, [this, key](int64_t r) {
    complete_write(static_cast<uint32_t>(key >> 32), static_cast<uint32_t>(key), r);
  });
}

// Runs on the thread of the queue that submitted write `id`.
void ZoneEngine::complete_write(uint32_t z, uint32_t id, int64_t result) {
  struct Ready {
    block::IoQueue* q = nullptr;
    WriteCallback cb;
    ZoneStatus status = ZoneStatus::kOk;
    uint64_t sector = 0;
  };
  InlineList<Ready, 4> ready;
  std::vector<std::pair<block::IoQueue*, std::function<void()>>> parked;
  block::IoQueue* own_queue = nullptr;
  Zone& zone = zones_[z];
  {
    std::lock_guard lock(zone.mu);
    auto it = std::find_if(zone.inflight.begin(), zone.inflight.end(),
                           [id](const PendingWrite& w) { return w.id == id; });
    own_queue = it->q;
    it->done = true;
    it->status = result < 0 ? ZoneStatus::kIoError : ZoneStatus::kOk;
    const bool host_aware = geometry_.zone_type(z) == ZoneType::kSequentialWritePreferred;
    // Writes reserved before an auto-close complete into the CLOSED zone, as
    // on a device; a host-aware zone that turned FULL under a random write
    // still took it. READONLY/OFFLINE (injected faults) take nothing more.
    const bool writable = is_open(zone.cond) || zone.cond == ZoneCondition::kClosed ||
                          (host_aware && zone.cond == ZoneCondition::kFull);
    auto publish = [&](PendingWrite& w) {
      ZoneStatus st = w.status;
      if (st == ZoneStatus::kOk && writable && !zone.failed) {
        zone.wp = std::max(zone.wp, w.end);
      } else {
        st = ZoneStatus::kIoError;
        if (!host_aware) zone.failed = true;  // later SWR writes are behind a hole
      }
      ready.push_back({w.q, std::move(w.cb), st, w.start});
    };
    if (host_aware) {  // random writes: each publishes on its own
      publish(*it);
      zone.inflight.erase(it);
    } else {  // in reservation order
      while (!zone.inflight.empty() && zone.inflight.front().done) {
        publish(zone.inflight.front());
        zone.inflight.pop_front();
      }
    }
    if (writable && zone.cond != ZoneCondition::kFull &&
        zone.wp == geometry_.zone_start(z) + geometry_.zone_capacity(z)) {
      change_condition(z, zone, ZoneCondition::kFull);  // releases resources, cannot fail
    }
    if (zone.inflight.empty()) {
      // Nothing reserved beyond what was written (after a failure, SWR writes
      // behind it were failed too; host-aware writes never set `failed`).
      zone.reserved = zone.wp;
      zone.failed = false;
      // Closed over writes that all failed: no data, so EMPTY (as a close would).
      if (zone.cond == ZoneCondition::kClosed && zone.wp == geometry_.zone_start(z)) {
        change_condition(z, zone, ZoneCondition::kEmpty);  // releases resources
        zone.non_seq = false;
      }
      parked.swap(zone.parked);
    }
    persist(z, zone);  // before any completion is reported
  }
  ready.for_each([own_queue](Ready& r) {
    if (r.q == own_queue) {
      r.cb(r.status, r.sector);
    } else {
      r.q->post([cb = std::move(r.cb), st = r.status, s = r.sector] { cb(st, s); });
    }
  });
  for (auto& [pq, fn] : parked) pq->post(std::move(fn));
}

void ZoneEngine::flush(block::IoQueue& q, StatusCallback cb) {
  if (store_.sync() < 0) return fail(q, std::move(cb), ZoneStatus::kIoError);
  q.submit_flush([cb = std::move(cb)](int64_t r) { cb(r < 0 ? ZoneStatus::kIoError : ZoneStatus::kOk); });
}

void ZoneEngine::discard(block::IoQueue& q, uint64_t sector, uint64_t bytes, StatusCallback cb) {
  if (options_.read_only) return fail(q, std::move(cb), ZoneStatus::kZoneReadOnly);
  if (ZoneStatus st = geometry_.check_range(sector, bytes); st != ZoneStatus::kOk) return fail(q, std::move(cb), st);
  const uint64_t conv_end = std::min(sector + bytes / kSectorSize,
                                     geometry_.zone_start(geometry_.nr_conventional()));
  if (conv_end <= sector) return fail(q, std::move(cb), ZoneStatus::kOk);
  q.submit_discard(data_offset_ + sector * kSectorSize, (conv_end - sector) * kSectorSize,
                   [cb = std::move(cb)](int64_t r) { cb(r < 0 ? ZoneStatus::kIoError : ZoneStatus::kOk); });
}

// ---- zone management ----

void ZoneEngine::zone_op(block::IoQueue& q, ZoneOp op, uint64_t sector, StatusCallback cb) {
  if (options_.read_only) return fail(q, std::move(cb), ZoneStatus::kZoneReadOnly);
  if (ZoneStatus st = geometry_.check_range(sector, 0); st != ZoneStatus::kOk) return fail(q, std::move(cb), st);
  const uint32_t z = geometry_.zone_index(sector);
  if (!geometry_.is_sequential(z)) return fail(q, std::move(cb), ZoneStatus::kInvalidZoneOp);
  if (sector != geometry_.zone_start(z)) return fail(q, std::move(cb), ZoneStatus::kInvalidField);
  zone_op_at(q, op, z, false, std::move(cb));
}

void ZoneEngine::zone_op_at(block::IoQueue& q, ZoneOp op, uint32_t z, bool select_all,
                            StatusCallback cb) {
  Zone& zone = zones_[z];
  std::unique_lock lock(zone.mu);
  if (!zone.inflight.empty() || !zone.parked.empty() || zone.busy) {
    zone.parked.emplace_back(&q, [this, &q, op, z, select_all, cb = std::move(cb)]() mutable {
      zone_op_at(q, op, z, select_all, std::move(cb));
    });
    return;
  }
  if (select_all && !select_all_applies(op, zone.cond)) {
    lock.unlock();
    return fail(q, std::move(cb), ZoneStatus::kOk);
  }
  if (op == ZoneOp::kFinish || op == ZoneOp::kReset) return finish_or_reset(q, op, z, lock, std::move(cb));
  const ZoneStatus st = execute_zone_op(z, zone, op);
  lock.unlock();
  fail(q, std::move(cb), st);
}

// Finish and reset drop data through the queue (IORING_OP_FALLOCATE, or inline
// on a synchronous queue), never under the zone lock: the zone is `busy`
// meanwhile, so writes and zone operations to it wait.
// - Finish discards [wp, capacity) *before* the zone is persisted FULL: data at
//   or above the wp never becomes visible, and a crash in between leaves the
//   old wp (the discarded range was above it).
// - Reset persists EMPTY *before* discarding the zone: a crash in between
//   leaves an EMPTY zone whose old data is above the wp (unreadable), never an
//   old wp over discarded data. Its discard reclaims space and, after a host
//   power loss that kept the new wp but not the new data, makes the old
//   generation read as zeros; its failure is not an error. A memory-backed
//   image, which has no power loss to survive, keeps the blocks: punching them
//   would make the zone's next writes allocate and zero every page again (half
//   the sequential write bandwidth on tmpfs); old data above the wp is never
//   read (zeros) and finish discards it.
void ZoneEngine::finish_or_reset(block::IoQueue& q, ZoneOp op, uint32_t z,
                                 std::unique_lock<std::mutex>& lock, StatusCallback cb) {
  using C = ZoneCondition;
  Zone& zone = zones_[z];
  const uint64_t start = geometry_.zone_start(z);
  const uint64_t cap_end = start + geometry_.zone_capacity(z);
  if (zone.cond == C::kReadOnly || zone.cond == C::kOffline) {
    lock.unlock();
    return fail(q, std::move(cb), ZoneStatus::kInvalidTransition);
  }
  uint64_t offset = 0, bytes = 0;
  if (op == ZoneOp::kFinish) {
    if (zone.cond == C::kFull) {
      lock.unlock();
      return fail(q, std::move(cb), ZoneStatus::kOk);
    }
    offset = zone.wp, bytes = (cap_end - zone.wp) * kSectorSize;
  } else {
    if (zone.cond == C::kEmpty) {
      lock.unlock();
      return fail(q, std::move(cb), ZoneStatus::kOk);
    }
    change_condition(z, zone, C::kEmpty);  // releases resources, cannot fail
    zone.wp = zone.reserved = start;
    zone.non_seq = false;
    persist(z, zone);
    if (data_.memory_backed()) {
      lock.unlock();
      return fail(q, std::move(cb), ZoneStatus::kOk);
    }
    offset = start, bytes = geometry_.zone_len(z) * kSectorSize;
  }
  zone.busy = true;
  lock.unlock();
  q.submit_discard(data_offset_ + offset * kSectorSize, bytes,
                   [this, op, z, cb = std::move(cb)](int64_t r) mutable {
                     finish_or_reset_done(op, z, r, std::move(cb));
                   });
}

// On the queue's thread, once the discard completed.
void ZoneEngine::finish_or_reset_done(ZoneOp op, uint32_t z, int64_t result, StatusCallback cb) {
  using C = ZoneCondition;
  Zone& zone = zones_[z];
  ZoneStatus st = ZoneStatus::kOk;
  std::vector<std::pair<block::IoQueue*, std::function<void()>>> parked;
  {
    std::lock_guard lock(zone.mu);
    zone.busy = false;
    if (op == ZoneOp::kFinish) {
      if (result < 0) {
        st = ZoneStatus::kIoError;  // nothing changed: the old wp still holds
      } else if (zone.cond == C::kReadOnly || zone.cond == C::kOffline) {
        st = ZoneStatus::kInvalidTransition;  // a fault was injected meanwhile
      } else {
        // From EMPTY, open or CLOSED (an auto-close may have closed it
        // meanwhile): FULL holds no resources (QEMU's choice), cannot fail.
        change_condition(z, zone, C::kFull);
        zone.wp = zone.reserved = geometry_.zone_start(z) + geometry_.zone_capacity(z);
        persist(z, zone);
      }
    }
    parked.swap(zone.parked);
  }
  cb(st);
  for (auto& [pq, fn] : parked) pq->post(std::move(fn));
}

ZoneStatus ZoneEngine::execute_zone_op(uint32_t z, Zone& zone, ZoneOp op) {
  using C = ZoneCondition;
  const C cond = zone.cond;
  if (op == ZoneOp::kOffline) {  // NVMe Offline Zone: READONLY -> OFFLINE only
    if (cond == C::kOffline) return ZoneStatus::kOk;
    if (cond != C::kReadOnly) return ZoneStatus::kInvalidTransition;
    change_condition(z, zone, C::kOffline);  // holds no resources
    persist(z, zone);
    return ZoneStatus::kOk;
  }
  if (cond == C::kReadOnly || cond == C::kOffline) return ZoneStatus::kInvalidTransition;
  const uint64_t start = geometry_.zone_start(z);
  ZoneStatus st = ZoneStatus::kOk;
  switch (op) {
    case ZoneOp::kOpen:
      if (cond == C::kFull) return ZoneStatus::kInvalidTransition;
      st = change_condition(z, zone, C::kExplicitOpen);
      break;
    case ZoneOp::kClose:
      if (cond == C::kEmpty || cond == C::kFull) return ZoneStatus::kInvalidTransition;
      if (is_open(cond)) st = change_condition(z, zone, zone.wp == start ? C::kEmpty : C::kClosed);
      break;
    case ZoneOp::kFinish:
    case ZoneOp::kReset:
    case ZoneOp::kOffline:
      return ZoneStatus::kInvalidField;  // finish_or_reset and above: not here
  }
  if (st != ZoneStatus::kOk) return st;
  zone.reserved = zone.wp;
  persist(z, zone);
  return ZoneStatus::kOk;
}

void ZoneEngine::zone_op_all(block::IoQueue& q, ZoneOp op, StatusCallback cb) {
  if (options_.read_only) return fail(q, std::move(cb), ZoneStatus::kZoneReadOnly);
  // Each selected zone's operation runs (or is parked) on its own; the result
  // is the lowest-numbered failure. Reset-all never fails (virtio-blk, ZBC).
  struct Job {
    size_t remaining = 0;
    uint32_t failed_zone = UINT32_MAX;
    ZoneStatus status = ZoneStatus::kOk;
    StatusCallback cb;
  };
  std::vector<uint32_t> targets;
  for (uint32_t z = geometry_.nr_conventional(); z < geometry_.nr_zones(); ++z) {
    const Zone& zone = zones_[z];
    std::lock_guard lock(zone.mu);
    // Zones with writes in flight may change before their turn: select them
    // now and decide when the operation runs.
    if (select_all_applies(op, zone.cond) || !zone.inflight.empty() || zone.busy) targets.push_back(z);
  }
  if (targets.empty()) return fail(q, std::move(cb), ZoneStatus::kOk);
  auto job = std::make_shared<Job>();
  job->remaining = targets.size();
  job->cb = std::move(cb);
  for (uint32_t z : targets) {
    zone_op_at(q, op, z, true, [job, z, op](ZoneStatus st) {
      if (st != ZoneStatus::kOk && op != ZoneOp::kReset && z < job->failed_zone) {
        job->failed_zone = z;
        job->status = st;
      }
      if (--job->remaining == 0) job->cb(job->status);
    });
  }
}

ZoneStatus ZoneEngine::inject_condition(uint64_t sector, ZoneCondition cond) {
  if (ZoneStatus st = geometry_.check_range(sector, 0); st != ZoneStatus::kOk) return st;
  if (cond != ZoneCondition::kReadOnly && cond != ZoneCondition::kOffline) return ZoneStatus::kInvalidField;
  const uint32_t z = geometry_.zone_index(sector);
  if (!geometry_.is_sequential(z)) return ZoneStatus::kInvalidZoneOp;
  Zone& zone = zones_[z];
  std::lock_guard lock(zone.mu);
  if (zone.cond == ZoneCondition::kOffline && cond == ZoneCondition::kReadOnly) {
    return ZoneStatus::kInvalidTransition;
  }
  change_condition(z, zone, cond);  // releases resources, cannot fail
  persist(z, zone);
  return ZoneStatus::kOk;
}

}  // namespace zvmm::zoned

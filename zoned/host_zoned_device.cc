#include "zoned/host_zoned_device.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "zoned/aligned_buffer.h"

namespace zvmm::zoned {

struct HostZonedDevice::AppendZone {
  std::mutex mu;
  bool busy = false;        // an append of this zone is in flight
  std::deque<Append> waiting;
  bool wp_known = false;    // wp is the device's wp (set by our own appends)
  uint64_t wp = 0;
  uint64_t generation = 0;  // bumped by writes and zone ops that move the wp
};

namespace {

constexpr uint32_t kReportBatch = 256;

void post_status(block::IoQueue& q, StatusCallback cb, ZoneStatus st) {
  q.post([cb = std::move(cb), st] { cb(st); });
}

void post_write_status(block::IoQueue& q, WriteCallback cb, ZoneStatus st, uint64_t sector = 0) {
  q.post([cb = std::move(cb), st, sector] { cb(st, sector); });
}

ZoneDescriptor to_descriptor(const block::HostZone& z) {
  ZoneDescriptor d;
  d.start = z.start / kSectorSize;
  d.len = z.len / kSectorSize;
  d.capacity = z.capacity / kSectorSize;
  d.wp = z.wp / kSectorSize;
  d.type = static_cast<ZoneType>(z.type);  // libzbd uses the ZBC numbering, as we do
  d.cond = static_cast<ZoneCondition>(z.cond);
  // Linux reports FULL zones at start + len; the neutral descriptor ends at the capacity.
  if (d.cond == ZoneCondition::kFull) d.wp = d.start + d.capacity;
  return d;
}

// /sys/dev/block/MAJ:MIN/queue/NAME as a number; 0 if absent.
uint64_t sysfs_queue_value(const std::string& path, const char* name) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISBLK(st.st_mode)) return 0;
  std::ifstream in("/sys/dev/block/" + std::to_string(major(st.st_rdev)) + ":" +
                   std::to_string(minor(st.st_rdev)) + "/queue/" + name);
  uint64_t value = 0;
  return (in >> value) ? value : 0;
}

ZoneGeometry host_geometry(const std::string& path, block::ZbdBackend& backend) {
  const block::HostZonedInfo& info = backend.info();
  auto fail = [&](const std::string& why) {
    throw std::runtime_error(path + ": " + why + " (not supported by the zoned model)");
  };
  ZoneGeometryConfig c;
  c.device_bytes = info.size_bytes;
  c.zone_size_bytes = info.zone_size_bytes;
  c.logical_block_size = info.logical_block_size;
  c.max_open = info.max_open;
  c.max_active = info.max_active;
  c.model = info.model == 2 ? ZonedModel::kHostAware : ZonedModel::kHostManaged;
  c.allow_smaller_last_zone = true;
  // Conventional zones must come first; sequential zones share one capacity
  // (a smaller last zone may have less).
  bool seen_sequential = false;
  for (uint64_t offset = 0; offset < info.size_bytes;) {
    int error = 0;
    auto zones = backend.report_zones(offset, kReportBatch, &error);
    if (error < 0 || zones.empty()) {
      throw std::runtime_error(path + ": zone report failed: " + std::strerror(-error));
    }
    for (const block::HostZone& z : zones) {
      if (z.type == 1) {
        if (seen_sequential) fail("a conventional zone after a sequential zone");
        ++c.nr_conventional;
        continue;
      }
      const bool last = z.start + z.len >= info.size_bytes;
      if (!seen_sequential) c.zone_capacity_bytes = z.capacity;
      else if (z.capacity != c.zone_capacity_bytes && !(last && z.capacity < c.zone_capacity_bytes)) {
        fail("zones of different capacities");
      }
      seen_sequential = true;
    }
    offset = zones.back().start + zones.back().len;
  }
  if (!seen_sequential) fail("no sequential zone");
  // A device may report limits above its sequential zone count (a small ZNS
  // namespace, an older host kernel that passes them through): they limit
  // nothing, and from_config refuses them, so read them as Linux >= 6.10 does
  // (disk_update_zone_resources): no limit. The device's, not a user's, choice.
  const uint64_t nr_sequential = info.nr_zones - c.nr_conventional;
  if (c.max_open > nr_sequential) c.max_open = 0;
  if (c.max_active > nr_sequential) c.max_active = 0;
  uint64_t append = sysfs_queue_value(path, "zone_append_max_bytes");
  append -= append % c.logical_block_size;
  c.max_append_bytes = std::min(append, c.zone_capacity_bytes);
  try {
    ZoneGeometry g = ZoneGeometry::from_config(c);
    if (g.nr_zones() != info.nr_zones) {
      fail(std::to_string(info.nr_zones) + " zones where the size implies " +
           std::to_string(g.nr_zones()));
    }
    return g;
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

}  // namespace

ZoneStatus status_from_errno(int error) {
  switch (error) {
    case ETOOMANYREFS: return ZoneStatus::kOpenResource;
    case EOVERFLOW: return ZoneStatus::kActiveResource;
    case EINVAL: return ZoneStatus::kInvalidField;
    default: return ZoneStatus::kIoError;
  }
}

std::unique_ptr<HostZonedDevice> HostZonedDevice::open(const std::string& path, bool read_only) {
  auto backend = block::ZbdBackend::open(path, read_only);
  ZoneGeometry geometry = host_geometry(path, *backend);
  return std::unique_ptr<HostZonedDevice>(
      new HostZonedDevice(std::move(backend), std::move(geometry), path, read_only));
}

HostZonedDevice::HostZonedDevice(std::unique_ptr<block::ZbdBackend> backend, ZoneGeometry geometry,
                                 std::string path, bool read_only)
    : backend_(std::move(backend)),
      geometry_(std::move(geometry)),
      path_(std::move(path)),
      read_only_(read_only),
      append_zones_(std::make_unique<AppendZone[]>(geometry_.nr_zones())) {}

HostZonedDevice::~HostZonedDevice() = default;

std::unique_ptr<block::IoQueue> HostZonedDevice::create_queue(unsigned depth) {
  return backend_->create_queue(depth);
}

ZoneStatus HostZonedDevice::check_zone_start(uint64_t sector) const {
  if (ZoneStatus st = geometry_.check_range(sector, 0); st != ZoneStatus::kOk) return st;
  const uint32_t z = geometry_.zone_index(sector);
  if (!geometry_.is_sequential(z)) return ZoneStatus::kInvalidZoneOp;
  if (sector != geometry_.zone_start(z)) return ZoneStatus::kInvalidField;
  return ZoneStatus::kOk;
}

bool HostZonedDevice::read_zone(uint32_t z, ZoneDescriptor& out) const {
  int error = 0;
  auto zones = backend_->report_zones(geometry_.zone_start(z) * kSectorSize, 1, &error);
  if (error < 0 || zones.empty()) return false;
  out = to_descriptor(zones.front());
  return true;
}

ZoneStatus HostZonedDevice::classify_write_error(uint32_t z, uint64_t sector, uint64_t sectors,
                                                 int error) const {
  if (error == ETOOMANYREFS || error == EOVERFLOW) return status_from_errno(error);
  ZoneDescriptor d;
  if (!geometry_.is_sequential(z) || !read_zone(z, d)) return ZoneStatus::kIoError;
  switch (d.cond) {
    case ZoneCondition::kOffline: return ZoneStatus::kZoneOffline;
    case ZoneCondition::kReadOnly: return ZoneStatus::kZoneReadOnly;
    case ZoneCondition::kFull: return ZoneStatus::kZoneFull;
    default: break;
  }
  if (d.type == ZoneType::kSequentialWriteRequired && sector != d.wp) {
    return ZoneStatus::kUnalignedWrite;
  }
  if (sector + sectors > d.start + d.capacity) return ZoneStatus::kBoundaryError;
  return ZoneStatus::kIoError;
}

void HostZonedDevice::invalidate_append_wp(uint32_t z) {
  AppendZone& az = append_zones_[z];
  std::lock_guard lock(az.mu);
  az.wp_known = false;
  ++az.generation;
}

// ---- data path ----

namespace {

// An aligned copy of a request's data, with its one-segment list.
struct Bounce {
  Bounce(size_t size, size_t align) : buf(size, align), iov{buf.span().data(), size} {}
  Segments segments() const { return {&iov, 1}; }
  AlignedBuffer buf;
  iovec iov;
};

}  // namespace

Segments HostZonedDevice::direct_buffer(Segments data, std::shared_ptr<const void>& keep) const {
  const size_t align = geometry_.logical_block_size();
  if (data.size() == 1 && AlignedBuffer::is_aligned(data[0].iov_base, align)) return data;
  auto bounce = std::make_shared<Bounce>(block::total_bytes(data), align);
  block::copy_from(data, bounce->buf.span());
  keep = bounce;
  return bounce->segments();
}

void HostZonedDevice::read(block::IoQueue& q, uint64_t sector, Segments data, StatusCallback cb) {
  const uint64_t size = block::total_bytes(data);
  if (ZoneStatus st = geometry_.check_range(sector, size); st != ZoneStatus::kOk) {
    return post_status(q, std::move(cb), st);
  }
  const auto bytes = static_cast<int64_t>(size);
  if (data.size() == 1 && AlignedBuffer::is_aligned(data[0].iov_base, geometry_.logical_block_size())) {
    return q.submit_readv(sector * kSectorSize, data, [cb = std::move(cb), bytes](int64_t r) {
      cb(r == bytes ? ZoneStatus::kOk : ZoneStatus::kIoError);
    });
  }
  // O_DIRECT needs an aligned buffer: read into a bounce buffer, then scatter.
  auto bounce = std::make_shared<Bounce>(size, geometry_.logical_block_size());
  q.submit_readv(sector * kSectorSize, bounce->segments(), [cb = std::move(cb), bounce, data, bytes](int64_t r) {
    if (r == bytes) block::copy_to(data, bounce->buf.span());
    cb(r == bytes ? ZoneStatus::kOk : ZoneStatus::kIoError);
  });
}

void HostZonedDevice::write(block::IoQueue& q, uint64_t sector, Segments data, WriteCallback cb) {
  if (read_only_) return post_write_status(q, std::move(cb), ZoneStatus::kZoneReadOnly);
  std::shared_ptr<const void> keep;
  const Segments direct = direct_buffer(data, keep);
  write_direct(q, sector, direct, std::move(keep), std::move(cb));
}

void HostZonedDevice::write_direct(block::IoQueue& q, uint64_t sector, Segments buf,
                                   std::shared_ptr<const void> keep, WriteCallback cb) {
  const uint64_t size = block::total_bytes(buf);
  if (ZoneStatus st = geometry_.check_range(sector, size); st != ZoneStatus::kOk) {
    return post_write_status(q, std::move(cb), st);
  }
  const uint32_t z = geometry_.zone_index(sector);
  const uint64_t sectors = size / kSectorSize;
  if (sector + sectors > geometry_.zone_start(z) + geometry_.zone_len(z) &&
      (geometry_.is_sequential(z) || sector + sectors > geometry_.zone_start(geometry_.nr_conventional()))) {
    return post_write_status(q, std::move(cb), ZoneStatus::kBoundaryError);
  }
  if (geometry_.is_sequential(z)) invalidate_append_wp(z);
  q.submit_writev(sector * kSectorSize, buf, [this, cb = std::move(cb), keep, z, sector, sectors](int64_t r) {
    if (r == static_cast<int64_t>(sectors * kSectorSize)) return cb(ZoneStatus::kOk, sector);
    cb(classify_write_error(z, sector, sectors, r < 0 ? static_cast<int>(-r) : EIO), sector);
  });
}

void HostZonedDevice::append(block::IoQueue& q, uint64_t zone_sector, Segments data,
                             WriteCallback cb) {
  if (read_only_) return post_write_status(q, std::move(cb), ZoneStatus::kZoneReadOnly);
  if (ZoneStatus st = check_zone_start(zone_sector); st != ZoneStatus::kOk) {
    return post_write_status(q, std::move(cb), st);
  }
  const uint32_t z = geometry_.zone_index(zone_sector);
  if (geometry_.zone_type(z) != ZoneType::kSequentialWriteRequired) {
    return post_write_status(q, std::move(cb), ZoneStatus::kInvalidZoneOp);
  }
  const uint64_t size = block::total_bytes(data);
  if (size % geometry_.logical_block_size()) {
    return post_write_status(q, std::move(cb), ZoneStatus::kMisaligned);
  }
  if (size / kSectorSize > geometry_.max_append_sectors()) {
    return post_write_status(q, std::move(cb), ZoneStatus::kAppendTooLarge);
  }
  Append a{&q, {}, nullptr, std::move(cb)};
  a.buf = direct_buffer(data, a.keep);
  AppendZone& az = append_zones_[z];
  {
    std::lock_guard lock(az.mu);
    if (az.busy) {
      az.waiting.push_back(std::move(a));
      return;
    }
    az.busy = true;
  }
  start_append(z, std::move(a));
}

// Runs on a.q's thread with az.busy set by the caller.
void HostZonedDevice::start_append(uint32_t z, Append a) {
  AppendZone& az = append_zones_[z];
  const uint64_t start = geometry_.zone_start(z);
  const uint64_t cap_end = start + geometry_.zone_capacity(z);
  uint64_t wp = 0;
  bool known = false;
  ZoneStatus st = ZoneStatus::kOk;
  {
    std::lock_guard lock(az.mu);
    known = az.wp_known;
    wp = az.wp;
    a.generation = az.generation;
  }
  if (!known) {
    ZoneDescriptor d;
    if (!read_zone(z, d)) st = ZoneStatus::kIoError;
    else if (d.cond == ZoneCondition::kOffline) st = ZoneStatus::kZoneOffline;
    else if (d.cond == ZoneCondition::kReadOnly) st = ZoneStatus::kZoneReadOnly;
    else if (d.cond == ZoneCondition::kFull) st = ZoneStatus::kZoneFull;
    wp = d.wp;
  }
  const uint64_t sectors = block::total_bytes(a.buf) / kSectorSize;
  if (st == ZoneStatus::kOk && wp >= cap_end) st = ZoneStatus::kZoneFull;
  if (st == ZoneStatus::kOk && wp + sectors > cap_end) st = ZoneStatus::kBoundaryError;
  block::IoQueue& q = *a.q;
  if (st != ZoneStatus::kOk || sectors == 0) {
    // Completes through the queue, like every other result.
    return q.post([this, z, a = std::move(a), st, wp]() mutable {
      finish_append(z, std::move(a), wp, st);
    });
  }
  const Segments direct = a.buf;
  q.submit_writev(wp * kSectorSize, direct, [this, z, a = std::move(a), wp, sectors](int64_t r) mutable {
    ZoneStatus st = ZoneStatus::kOk;
    if (r != static_cast<int64_t>(sectors * kSectorSize)) {
      st = classify_write_error(z, wp, sectors, r < 0 ? static_cast<int>(-r) : EIO);
    }
    finish_append(z, std::move(a), wp, st);
  });
}

// On the append's queue thread: records the wp, starts the next queued append
// of the zone on its own queue, then completes this one.
void HostZonedDevice::finish_append(uint32_t z, Append a, uint64_t sector, ZoneStatus st) {
  AppendZone& az = append_zones_[z];
  const uint64_t sectors = block::total_bytes(a.buf) / kSectorSize;
  std::optional<Append> next;
  {
    std::lock_guard lock(az.mu);
    // Our write moved the wp, unless another write or zone op came meanwhile.
    az.wp_known = st == ZoneStatus::kOk && az.generation == a.generation;
    az.wp = sector + sectors;
    if (az.waiting.empty()) {
      az.busy = false;
    } else {
      next = std::move(az.waiting.front());
      az.waiting.pop_front();
    }
  }
  if (next) {
    block::IoQueue& nq = *next->q;
    nq.post([this, z, n = std::move(*next)]() mutable { start_append(z, std::move(n)); });
  }
  a.cb(st, st == ZoneStatus::kOk ? sector : 0);
}

void HostZonedDevice::write_zeroes(block::IoQueue& q, uint64_t sector, uint64_t bytes,
                                   WriteCallback cb) {
  if (read_only_) return post_write_status(q, std::move(cb), ZoneStatus::kZoneReadOnly);
  if (ZoneStatus st = geometry_.check_range(sector, bytes); st != ZoneStatus::kOk) {
    return post_write_status(q, std::move(cb), st);
  }
  if (bytes == 0) return post_write_status(q, std::move(cb), ZoneStatus::kOk);
  if (bytes > kMaxWriteZeroesBytes) return post_write_status(q, std::move(cb), ZoneStatus::kInvalidField);
  // One write of a segment list over the shared aligned zero buffer: the range
  // is checked as a whole and lands as one request (no partial write).
  auto segments = zero_segments(bytes);
  write_direct(q, sector, *segments, segments, std::move(cb));
}

void HostZonedDevice::discard(block::IoQueue& q, uint64_t sector, uint64_t bytes, StatusCallback cb) {
  if (read_only_) return post_status(q, std::move(cb), ZoneStatus::kZoneReadOnly);
  // A hint: accepted and ignored (zone resets reclaim sequential zones).
  post_status(q, std::move(cb), geometry_.check_range(sector, bytes));
}

void HostZonedDevice::flush(block::IoQueue& q, StatusCallback cb) {
  q.submit_flush([cb = std::move(cb)](int64_t r) { cb(r < 0 ? ZoneStatus::kIoError : ZoneStatus::kOk); });
}

// ---- zone management (synchronous ioctls) ----

void HostZonedDevice::zone_op(block::IoQueue& q, ZoneOp op, uint64_t sector, StatusCallback cb) {
  if (read_only_) return post_status(q, std::move(cb), ZoneStatus::kZoneReadOnly);
  if (ZoneStatus st = check_zone_start(sector); st != ZoneStatus::kOk) {
    return post_status(q, std::move(cb), st);
  }
  post_status(q, std::move(cb), zone_op_at(op, geometry_.zone_index(sector)));
}

ZoneStatus HostZonedDevice::zone_op_at(ZoneOp op, uint32_t z) {
  // Linux has no user-space command to take a zone offline.
  if (op == ZoneOp::kOffline) return ZoneStatus::kInvalidZoneOp;
  static constexpr block::HostZoneOp kOps[] = {block::HostZoneOp::kOpen, block::HostZoneOp::kClose,
                                               block::HostZoneOp::kFinish, block::HostZoneOp::kReset};
  invalidate_append_wp(z);
  const int rc = backend_->zone_operation(kOps[static_cast<int>(op)],
                                          geometry_.zone_start(z) * kSectorSize,
                                          geometry_.zone_len(z) * kSectorSize);
  if (rc >= 0) return ZoneStatus::kOk;
  // The device refused the transition (EIO) or lacks resources.
  return (-rc == EIO) ? ZoneStatus::kInvalidTransition : status_from_errno(-rc);
}

void HostZonedDevice::zone_op_all(block::IoQueue& q, ZoneOp op, StatusCallback cb) {
  if (read_only_) return post_status(q, std::move(cb), ZoneStatus::kZoneReadOnly);
  if (op == ZoneOp::kReset) {
    for (uint32_t z = 0; z < geometry_.nr_zones(); ++z) invalidate_append_wp(z);
    // The whole device: the kernel uses RESET ALL (or resets each sequential zone).
    const int rc = backend_->zone_operation(block::HostZoneOp::kReset, 0,
                                            geometry_.device_sectors() * kSectorSize);
    return post_status(q, std::move(cb), rc < 0 ? ZoneStatus::kIoError : ZoneStatus::kOk);
  }
  // The others zone by zone, on the zones the device reports in a selected
  // condition; the first failure ends it (NVMe Select All as QEMU runs it).
  std::vector<ZoneDescriptor> zones(geometry_.nr_zones());
  ZoneReport report = report_zones(0, ZoneFilter::kAll, zones);
  ZoneStatus st = report.status;
  for (size_t i = 0; st == ZoneStatus::kOk && i < report.count; ++i) {
    if (zones[i].type == ZoneType::kConventional || !select_all_applies(op, zones[i].cond)) continue;
    st = zone_op_at(op, geometry_.zone_index(zones[i].start));
  }
  post_status(q, std::move(cb), st);
}

ZoneReport HostZonedDevice::report_zones(uint64_t sector, ZoneFilter filter,
                                         std::span<ZoneDescriptor> out) {
  ZoneReport report;
  if (sector >= geometry_.device_sectors()) {
    report.status = ZoneStatus::kOutOfRange;
    return report;
  }
  uint64_t offset = geometry_.zone_start(geometry_.zone_index(sector)) * kSectorSize;
  const uint64_t end = geometry_.device_sectors() * kSectorSize;
  while (offset < end) {
    int error = 0;
    auto zones = backend_->report_zones(offset, kReportBatch, &error);
    if (error < 0 || zones.empty()) {
      report.status = ZoneStatus::kIoError;
      return report;
    }
    for (const block::HostZone& hz : zones) {
      ZoneDescriptor d = to_descriptor(hz);
      if (!matches(filter, d)) continue;
      if (report.count < out.size()) out[report.count++] = d;
      ++report.matching;
    }
    offset = zones.back().start + zones.back().len;
  }
  return report;
}

}  // namespace zvmm::zoned

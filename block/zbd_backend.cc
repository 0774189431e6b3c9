#include "block/zbd_backend.h"

#include <fcntl.h>
#include <libzbd/zbd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "block/sync_queue.h"
#include "block/uring_queue.h"

namespace zvmm::block {
namespace {

std::string not_zoned_message(const std::string& path) {
  return path +
         " is not a zoned block device (host-managed or host-aware). Note: Linux 6.12 and "
         "later no longer expose host-aware disks as zoned, so on such a host a host-aware "
         "disk shows up as a regular disk; use an emulated zoned image instead.";
}

zbd_zone_op to_zbd(HostZoneOp op) {
  switch (op) {
    case HostZoneOp::kReset: return ZBD_OP_RESET;
    case HostZoneOp::kOpen: return ZBD_OP_OPEN;
    case HostZoneOp::kClose: return ZBD_OP_CLOSE;
    case HostZoneOp::kFinish: return ZBD_OP_FINISH;
  }
  return ZBD_OP_RESET;
}

}  // namespace

std::unique_ptr<ZbdBackend> ZbdBackend::open(const std::string& path, bool read_only) {
  zbd_set_log_level(ZBD_LOG_NONE);
  // zbd_open reports regular files and non-zoned disks alike as not zoned; check
  // first so the message is precise.
  int zoned = zbd_device_is_zoned(path.c_str());
  if (zoned <= 0) {
    if (::access(path.c_str(), F_OK) != 0) {
      throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
    }
    throw std::runtime_error(not_zoned_message(path));
  }
  zbd_info zi{};
  // O_DIRECT: buffered writes to a zoned device would reach it only at
  // writeback, out of order and long after they were reported complete.
  int fd = zbd_open(path.c_str(), (read_only ? O_RDONLY : O_RDWR) | O_DIRECT | O_CLOEXEC, &zi);
  if (fd < 0) {
    if (fd == -ENXIO) throw std::runtime_error(not_zoned_message(path));
    throw std::runtime_error("zbd_open " + path + ": " + std::strerror(-fd));
  }
  if (zi.model != ZBD_DM_HOST_MANAGED && zi.model != ZBD_DM_HOST_AWARE) {
    zbd_close(fd);
    throw std::runtime_error(not_zoned_message(path));
  }
  HostZonedInfo info;
  info.vendor.assign(zi.vendor_id, strnlen(zi.vendor_id, sizeof(zi.vendor_id)));
  info.model = static_cast<uint8_t>(zi.model);
  info.size_bytes = zi.nr_sectors * 512ULL;
  info.zone_size_bytes = zi.zone_size;
  info.nr_zones = zi.nr_zones;
  info.logical_block_size = zi.lblock_size;
  info.physical_block_size = zi.pblock_size;
  info.max_open = zi.max_nr_open_zones;
  info.max_active = zi.max_nr_active_zones;
  return std::unique_ptr<ZbdBackend>(new ZbdBackend(fd, std::move(info)));
}

ZbdBackend::~ZbdBackend() { zbd_close(fd_); }

std::vector<HostZone> ZbdBackend::report_zones(uint64_t offset, uint32_t max_zones,
                                               int* error) const {
  std::vector<zbd_zone> raw(max_zones);
  unsigned int nr = max_zones;
  int rc = zbd_report_zones(fd_, static_cast<off_t>(offset), 0, ZBD_RO_ALL, raw.data(), &nr);
  if (rc < 0) rc = -errno;  // libzbd returns -1 and leaves the cause in errno
  if (error) *error = rc < 0 ? rc : 0;
  std::vector<HostZone> zones;
  if (rc < 0) return zones;
  zones.reserve(nr);
  for (unsigned i = 0; i < nr; ++i) {
    const zbd_zone& z = raw[i];
    zones.push_back({z.start, z.len, z.capacity, z.wp, static_cast<uint8_t>(z.type),
                     static_cast<uint8_t>(z.cond)});
  }
  return zones;
}

int ZbdBackend::zone_operation(HostZoneOp op, uint64_t offset, uint64_t len) {
  // libzbd returns -1 and leaves the cause (e.g. ETOOMANYREFS) in errno.
  int rc = zbd_zones_operation(fd_, to_zbd(op), static_cast<off_t>(offset), static_cast<off_t>(len));
  return rc < 0 ? -errno : rc;
}

int64_t ZbdBackend::read(uint64_t offset, std::span<uint8_t> buf) {
  ssize_t n = ::pread(fd_, buf.data(), buf.size(), static_cast<off_t>(offset));
  return n < 0 ? -errno : n;
}

int64_t ZbdBackend::write(uint64_t offset, std::span<const uint8_t> buf) {
  ssize_t n = ::pwrite(fd_, buf.data(), buf.size(), static_cast<off_t>(offset));
  if (n < 0) return -errno;
  return static_cast<size_t>(n) == buf.size() ? n : -EIO;
}

int ZbdBackend::flush() { return ::fdatasync(fd_) < 0 ? -errno : 0; }

int ZbdBackend::discard(uint64_t offset, uint64_t len) {
  return zone_operation(HostZoneOp::kReset, offset, len);
}

std::unique_ptr<IoQueue> ZbdBackend::create_queue(unsigned depth) {
  int error = 0;
  if (auto q = UringIoQueue::create(fd_, depth, &error)) return q;
  return std::make_unique<SyncIoQueue>(*this);
}

}  // namespace zvmm::block

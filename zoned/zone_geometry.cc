#include "zoned/zone_geometry.h"

#include <bit>
#include <stdexcept>

namespace zvmm::zoned {
namespace {

// Linux keeps the zone size in 32 bits of sectors (queue_limits.chunk_sectors,
// virtio-blk's zone_sectors): the largest power of two is 2^31 sectors, 1 TiB.
// (Zone slots hold a wp offset of up to 40 bits, zone_slot.h: no tighter.)
constexpr uint64_t kMaxZoneSectors = uint64_t{1} << 31;

[[noreturn]] void fail(const std::string& message) { throw std::invalid_argument(message); }

}  // namespace

std::string format_size(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"", "K", "M", "G", "T", "P"};
  int unit = 0;
  while (unit < 5 && bytes != 0 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++unit;
  }
  return std::to_string(bytes) + kUnits[unit];
}

ZoneGeometry ZoneGeometry::from_config(const ZoneGeometryConfig& c) {
  ZoneGeometry g;
  g.config_ = c;
  const uint32_t lbs = c.logical_block_size;
  const bool zoned = c.model != ZonedModel::kNone;
  if (lbs != 512 && lbs != 4096) {
    fail("logical block size " + std::to_string(lbs) + " is not 512 or 4096");
  }
  if (c.device_bytes == 0) fail("device size is 0: a disk needs a nonzero size");
  if (c.device_bytes % lbs) {
    fail("device size " + std::to_string(c.device_bytes) + " is not a multiple of the " +
         std::to_string(lbs) + "-byte logical block size");
  }
  if (c.zone_size_bytes == 0) fail("zone size is 0: it must be a power of two");
  if (!std::has_single_bit(c.zone_size_bytes)) {
    fail("zone size " + std::to_string(c.zone_size_bytes) + " is not a power of two");
  }
  if (c.zone_size_bytes < lbs) {
    fail("zone size " + format_size(c.zone_size_bytes) + " is smaller than the logical block size");
  }
  if (c.zone_size_bytes / kSectorSize > kMaxZoneSectors) {
    fail("zone size " + format_size(c.zone_size_bytes) +
         " is larger than 1T (Linux holds a zone size in 32 bits of 512-byte sectors)");
  }
  uint64_t cap = c.zone_capacity_bytes ? c.zone_capacity_bytes : c.zone_size_bytes;
  g.config_.zone_capacity_bytes = cap;
  if (cap > c.zone_size_bytes) {
    fail("zone capacity " + format_size(cap) + " is larger than the zone size " +
         format_size(c.zone_size_bytes));
  }
  if (cap % lbs) fail("zone capacity " + std::to_string(cap) + " is not a multiple of the logical block size");
  if (zoned && c.device_bytes < c.zone_size_bytes) {
    fail("device size " + format_size(c.device_bytes) + " is smaller than the zone size " +
         format_size(c.zone_size_bytes) +
         ": a zoned disk needs at least one full zone (Linux sizes its zone report from size / zone size)");
  }
  if (c.device_bytes % c.zone_size_bytes && !c.allow_smaller_last_zone) {
    fail("device size " + format_size(c.device_bytes) + " is not a multiple of the zone size " +
         format_size(c.zone_size_bytes));
  }
  g.device_sectors_ = c.device_bytes / kSectorSize;
  g.zone_sectors_ = c.zone_size_bytes / kSectorSize;
  g.zone_shift_ = static_cast<unsigned>(std::countr_zero(g.zone_sectors_));
  g.zone_capacity_sectors_ = cap / kSectorSize;
  uint64_t nr = (g.device_sectors_ + g.zone_sectors_ - 1) / g.zone_sectors_;
  if (nr > 0xffffffffu) fail("too many zones (" + std::to_string(nr) + ")");
  g.nr_zones_ = static_cast<uint32_t>(nr);

  if (!zoned) {
    g.nr_conventional_ = g.nr_zones_;
  } else {
    if (c.model != ZonedModel::kHostManaged && c.model != ZonedModel::kHostAware) {
      fail("unknown zoned model " + std::to_string(static_cast<int>(c.model)));
    }
    if (c.nr_conventional >= g.nr_zones_) {
      fail(std::to_string(c.nr_conventional) + " conventional zones leave no sequential zone (" +
           std::to_string(g.nr_zones_) + " zones)");
    }
    g.nr_conventional_ = c.nr_conventional;
    // A smaller last zone must still hold its share of the capacity rule: capacity
    // is clamped to its length (zone_capacity()).
  }
  if (c.max_active && c.max_open > c.max_active) {
    fail("max open zones " + std::to_string(c.max_open) + " exceeds max active zones " +
         std::to_string(c.max_active));
  }
  // Refused, not clamped: Linux would silently report such a limit as 0
  // (unlimited), and a test tool should not change what it was asked for.
  const uint32_t nr_sequential = zoned ? g.nr_zones_ - g.nr_conventional_ : 0;
  auto check_limit = [&](const char* what, uint32_t limit) {
    if (limit > nr_sequential) {
      fail(std::string(what) + " (" + std::to_string(limit) +
           ") is larger than the number of sequential zones (" + std::to_string(nr_sequential) +
           "): give at most " + std::to_string(nr_sequential) + ", or 0 for no limit");
    }
  };
  check_limit("max active zones", c.max_active);
  check_limit("max open zones", c.max_open);
  uint64_t append = c.max_append_bytes ? c.max_append_bytes : std::min<uint64_t>(cap, 1 << 20);
  if (append % lbs || append < lbs) {
    fail("max append size " + std::to_string(append) + " is not a positive multiple of the logical block size");
  }
  if (append > cap) fail("max append size " + format_size(append) + " is larger than the zone capacity");
  g.config_.max_append_bytes = append;
  g.max_append_sectors_ = append / kSectorSize;
  return g;
}

uint64_t ZoneGeometry::zone_len(uint32_t zone) const {
  uint64_t start = zone_start(zone);
  return std::min(zone_sectors_, device_sectors_ - start);
}

uint64_t ZoneGeometry::zone_capacity(uint32_t zone) const {
  if (!is_sequential(zone)) return zone_len(zone);
  return std::min(zone_capacity_sectors_, zone_len(zone));
}

ZoneType ZoneGeometry::zone_type(uint32_t zone) const {
  if (!is_sequential(zone)) return ZoneType::kConventional;
  return model() == ZonedModel::kHostAware ? ZoneType::kSequentialWritePreferred
                                           : ZoneType::kSequentialWriteRequired;
}

std::string ZoneGeometry::describe_differences(const ZoneGeometry& o) const {
  std::string out;
  auto cmp = [&](const char* what, uint64_t mine, uint64_t theirs, bool bytes) {
    if (mine == theirs) return;
    if (!out.empty()) out += ", ";
    out += std::string(what) + " " + (bytes ? format_size(mine) : std::to_string(mine)) + " vs " +
           (bytes ? format_size(theirs) : std::to_string(theirs));
  };
  const auto &a = config_, &b = o.config_;
  cmp("device size", a.device_bytes, b.device_bytes, true);
  cmp("zone size", a.zone_size_bytes, b.zone_size_bytes, true);
  cmp("zone capacity", a.zone_capacity_bytes, b.zone_capacity_bytes, true);
  cmp("conventional zones", nr_conventional_, o.nr_conventional_, false);
  cmp("max open", a.max_open, b.max_open, false);
  cmp("max active", a.max_active, b.max_active, false);
  cmp("max append", a.max_append_bytes, b.max_append_bytes, true);
  cmp("logical block size", a.logical_block_size, b.logical_block_size, false);
  cmp("model", static_cast<uint64_t>(a.model), static_cast<uint64_t>(b.model), false);
  cmp("smaller last zone allowed", a.allow_smaller_last_zone, b.allow_smaller_last_zone, false);
  return out;
}

std::string ZoneGeometry::summary() const {
  return std::string(to_string(model())) + ", " + format_size(config_.device_bytes) + ", " +
         std::to_string(nr_zones_) + " zones of " + format_size(config_.zone_size_bytes) +
         " (capacity " + format_size(config_.zone_capacity_bytes) + "), " +
         std::to_string(nr_conventional_) + " conventional" +
         (config_.device_bytes % config_.zone_size_bytes
              ? ", last zone " + format_size(config_.device_bytes % config_.zone_size_bytes)
              : std::string());
}

ZoneStatus ZoneGeometry::check_range(uint64_t sector, uint64_t bytes) const {
  if (bytes % logical_block_size() || sector % lba_sectors()) return ZoneStatus::kMisaligned;
  if (sector >= device_sectors_ || bytes / kSectorSize > device_sectors_ - sector) {
    return ZoneStatus::kOutOfRange;
  }
  return ZoneStatus::kOk;
}

}  // namespace zvmm::zoned

// zoned-host-check: checks HostZonedDevice against a real host zoned block
// device (null_blk, scsi_debug) inside the emulated KVM host.
//
// usage: zoned-host-check geometry DEVICE   geometry/model/limits vs sysfs
//        zoned-host-check report DEVICE     one line per zone, as blkzone prints
//                                           it: start len cap wptr cond type
//                                           (sectors; wptr from the zone start)
//        zoned-host-check exercise DEVICE   writes, appends, zone ops, errors
//        zoned-host-check refuse DEVICE     opening must fail: not zoned
// exit status: 0 ok, 1 a check failed, 2 usage.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "zoned/host_zoned_device.h"
#include "zoned/sync_zone_client.h"

namespace zvmm::zoned {
namespace {

using S = ZoneStatus;
using C = ZoneCondition;

int failures = 0;

void expect(bool ok, const std::string& what) {
  std::printf("%s: %s\n", ok ? "ok" : "FAIL", what.c_str());
  if (!ok) ++failures;
}

template <typename T>
void expect_eq(const T& got, const T& want, const std::string& what) {
  expect(got == want, what + " (got " + std::to_string(static_cast<uint64_t>(got)) + ", want " +
                          std::to_string(static_cast<uint64_t>(want)) + ")");
}

void expect_status(S got, S want, const std::string& what) {
  expect(got == want, what + " -> " + std::string(to_string(got)) +
                          (got == want ? "" : " (want " + std::string(to_string(want)) + ")"));
}

std::string sysfs(const std::string& dev, const std::string& file) {
  const std::string name = dev.substr(dev.rfind('/') + 1);
  std::ifstream in("/sys/block/" + name + "/" + file);
  std::string value;
  std::getline(in, value);
  return value;
}

uint64_t sysfs_num(const std::string& dev, const std::string& file) {
  const std::string v = sysfs(dev, file);
  return v.empty() ? 0 : std::stoull(v);
}

ZoneDescriptor zone_at(ZonedDevice& dev, uint64_t sector) {
  ZoneDescriptor d;
  ZoneReport r = dev.report_zones(sector, ZoneFilter::kAll, {&d, 1});
  if (r.status != S::kOk || r.count != 1) expect(false, "report of one zone");
  return d;
}

std::vector<uint8_t> pattern(uint64_t sector, size_t bytes) {
  std::vector<uint8_t> b(bytes);
  for (size_t i = 0; i < bytes; ++i) b[i] = static_cast<uint8_t>((sector * 131 + i / 512 * 7 + i) & 0xff);
  return b;
}

int geometry(const std::string& path) {
  auto dev = HostZonedDevice::open(path);
  const std::string zoned = sysfs(path, "queue/zoned");
  const ZonedModel want_model = zoned == "host-aware" ? ZonedModel::kHostAware : ZonedModel::kHostManaged;
  std::printf("%s: %s, sysfs queue/zoned=%s\n", dev->description().c_str(),
              dev->geometry().summary().c_str(), zoned.c_str());
  expect_eq(dev->model(), want_model, "model matches queue/zoned");
  expect_eq(dev->capacity_sectors(), sysfs_num(path, "size"), "capacity (sectors) = size");
  expect_eq(dev->zone_sectors(), sysfs_num(path, "queue/chunk_sectors"), "zone size = chunk_sectors");
  expect_eq(uint64_t{dev->nr_zones()}, sysfs_num(path, "queue/nr_zones"), "nr_zones");
  expect_eq(uint64_t{dev->logical_block_size()}, sysfs_num(path, "queue/logical_block_size"),
            "logical block size");
  expect_eq(uint64_t{dev->max_open()}, sysfs_num(path, "queue/max_open_zones"), "max open zones");
  expect_eq(uint64_t{dev->max_active()}, sysfs_num(path, "queue/max_active_zones"), "max active zones");
  const uint64_t append = sysfs_num(path, "queue/zone_append_max_bytes");
  expect_eq(dev->max_append_sectors(), std::min(append, dev->zone_capacity_sectors() * kSectorSize) / kSectorSize,
            "max append = min(zone_append_max_bytes, capacity)");
  std::vector<ZoneDescriptor> zones(dev->nr_zones());
  ZoneReport r = dev->report_zones(0, ZoneFilter::kAll, zones);
  expect(r.status == S::kOk && r.count == dev->nr_zones(), "report covers every zone");
  uint32_t conventional = 0;
  for (size_t i = 0; i < r.count; ++i) conventional += zones[i].type == ZoneType::kConventional;
  expect_eq(conventional, dev->nr_conventional(), "conventional zones");
  const ZoneDescriptor& seq = zones[dev->nr_conventional()];
  expect_eq(seq.capacity, dev->zone_capacity_sectors(), "zone capacity from the report");
  const ZoneType want_type = want_model == ZonedModel::kHostAware ? ZoneType::kSequentialWritePreferred
                                                                  : ZoneType::kSequentialWriteRequired;
  expect_eq(seq.type, want_type, "sequential zone type");
  return failures ? 1 : 0;
}

int report(const std::string& path) {
  auto dev = HostZonedDevice::open(path, /*read_only=*/true);
  std::vector<ZoneDescriptor> zones(dev->nr_zones());
  ZoneReport r = dev->report_zones(0, ZoneFilter::kAll, zones);
  if (r.status != S::kOk) return 1;
  for (size_t i = 0; i < r.count; ++i) {
    const ZoneDescriptor& z = zones[i];
    const uint64_t wp = z.type == ZoneType::kConventional ? 0 : wp_zone_end_if_full(z) - z.start;
    std::printf("%llu %llu %llu %llu %u %u\n", (unsigned long long)z.start, (unsigned long long)z.len,
                (unsigned long long)z.capacity, (unsigned long long)wp, unsigned(z.cond), unsigned(z.type));
  }
  return 0;
}

int exercise(const std::string& path) {
  auto dev = HostZonedDevice::open(path);
  SyncZoneClient c(*dev, 16);
  const bool ha = dev->model() == ZonedModel::kHostAware;
  const uint64_t lbs = dev->logical_block_size(), lba = lbs / kSectorSize;
  const uint64_t zs = dev->zone_sectors(), cap = dev->zone_capacity_sectors();
  const uint64_t first = dev->nr_conventional() * zs;  // first sequential zone
  auto z = [&](uint32_t i) { return first + i * zs; };
  expect_status(c.reset_all(), S::kOk, "reset all");

  // Writes move the wp; the zone opens implicitly; data reads back.
  auto data = pattern(z(0), 4 * lbs);
  expect_status(c.write(z(0), data), S::kOk, "write 4 blocks at the wp");
  ZoneDescriptor d = zone_at(*dev, z(0));
  expect_eq(d.wp, z(0) + 4 * lba, "wp after the write");
  expect_eq(d.cond, C::kImplicitOpen, "implicitly open after the write");
  std::vector<uint8_t> back(4 * lbs);
  expect_status(c.read(z(0), back), S::kOk, "read back");
  expect(back == data, "read data matches");
  if (!ha) {
    expect_status(c.write(z(0), data), S::kUnalignedWrite, "write not at the wp (SWR)");
    // Appends: assigned at the wp, in order, tiling the zone.
    AppendResult a = c.append(z(0), pattern(1, lbs));
    expect(a.status == S::kOk && a.sector == z(0) + 4 * lba, "append lands at the wp");
    std::vector<std::vector<uint8_t>> bufs(8, pattern(2, lbs));
    std::vector<iovec> segs;
    for (auto& b : bufs) segs.push_back({b.data(), b.size()});
    std::vector<uint64_t> got;
    int done = 0;
    for (const iovec& seg : segs) {
      c.queue().append(z(0), {&seg, 1}, [&](S st, uint64_t s) {
        if (st == S::kOk) got.push_back(s);
        ++done;
      });
    }
    while (done < 8) c.queue().wait();
    std::sort(got.begin(), got.end());
    bool tiled = got.size() == 8;
    for (size_t i = 0; tiled && i < 8; ++i) tiled = got[i] == z(0) + (5 + i) * lba;
    expect(tiled, "8 concurrent appends tile the zone after the wp");
    expect_eq(zone_at(*dev, z(0)).wp, z(0) + 13 * lba, "wp after the appends");
    expect_status(c.append(z(0) + lba, pattern(1, lbs)).status, S::kInvalidField, "append not at a zone start");
  } else {
    expect_status(c.append(z(0), pattern(1, lbs)).status, S::kInvalidZoneOp, "append to a host-aware zone");
  }
  // Zone operations and conditions.
  expect_status(c.close(z(0)), S::kOk, "close");
  expect_eq(zone_at(*dev, z(0)).cond, C::kClosed, "closed");
  expect_status(c.open(z(0)), S::kOk, "open");
  expect_eq(zone_at(*dev, z(0)).cond, C::kExplicitOpen, "explicitly open");
  expect_status(c.finish(z(0)), S::kOk, "finish");
  expect_eq(zone_at(*dev, z(0)).cond, C::kFull, "full");
  if (!ha) {
    expect_status(c.write(z(0), data), S::kZoneFull, "write to a full zone");
    expect_status(c.append(z(0), pattern(1, lbs)).status, S::kZoneFull, "append to a full zone");
  }
  expect_status(c.reset(z(0)), S::kOk, "reset");
  d = zone_at(*dev, z(0));
  expect(d.cond == C::kEmpty && d.wp == z(0), "empty, wp at the start after reset");
  // Filling a zone to its capacity makes it full.
  if (cap * kSectorSize <= (64u << 20)) {
    std::vector<uint8_t> fill(cap * kSectorSize, 0x5a);
    expect_status(c.write(z(1), fill), S::kOk, "write the whole capacity");
    expect_eq(zone_at(*dev, z(1)).cond, C::kFull, "full once the capacity is written");
  }
  // Range, alignment and zone-type errors (checked before the device).
  expect_status(c.write(dev->capacity_sectors(), data), S::kOutOfRange, "write beyond the end");
  if (lba > 1) expect_status(c.write(z(2) + 1, data), S::kMisaligned, "write not block aligned");
  if (dev->nr_conventional()) {
    expect_status(c.reset(0), S::kInvalidZoneOp, "reset of a conventional zone");
    expect_status(c.write(0, data), S::kOk, "write to a conventional zone");
  }
  expect_status(c.write(z(3) - lba, pattern(0, 2 * lbs)), S::kBoundaryError, "write across zones");
  expect_status(c.open(z(0) + lba), S::kInvalidField, "zone op not at a zone start");
  // Open/active limits: the device enforces them, the errno maps to the status.
  if (dev->max_open() && dev->max_active() > dev->max_open() &&
      dev->nr_zones() - dev->nr_conventional() > dev->max_active() + 2) {
    expect_status(c.reset_all(), S::kOk, "reset all");
    const uint32_t mo = dev->max_open(), ma = dev->max_active();
    for (uint32_t i = 0; i < mo; ++i) {
      expect_status(c.open(z(i)), S::kOk, "explicit open " + std::to_string(i));
      expect_status(c.write(z(i), data), S::kOk, "write to explicitly open zone " + std::to_string(i));
    }
    expect_status(c.open(z(mo)), S::kOpenResource, "open beyond max_open");
    for (uint32_t i = 0; i < mo; ++i) expect_status(c.close(z(i)), S::kOk, "close " + std::to_string(i));
    for (uint32_t i = mo; i < ma; ++i) expect_status(c.open(z(i)), S::kOk, "open " + std::to_string(i));
    expect_status(c.open(z(ma)), S::kActiveResource, "open beyond max_active");
    std::vector<ZoneDescriptor> closed(dev->nr_zones());
    expect_eq(dev->report_zones(0, ZoneFilter::kClosed, closed).count, size_t{mo}, "report filter: closed");
  }
  expect_status(c.flush(), S::kOk, "flush");
  expect_status(c.reset_all(), S::kOk, "reset all");
  std::vector<ZoneDescriptor> zones(dev->nr_zones());
  expect_eq(dev->report_zones(0, ZoneFilter::kEmpty, zones).count,
            size_t{dev->nr_zones() - dev->nr_conventional()}, "every sequential zone empty");
  // Leave varied conditions for the caller to compare with blkzone report.
  expect_status(c.write(z(0), data), S::kOk, "write (left implicitly open)");
  expect_status(c.finish(z(1)), S::kOk, "finish (left full)");
  expect_status(c.open(z(2)), S::kOk, "open (left explicitly open)");
  expect_status(c.write(z(3), data), S::kOk, "write");
  expect_status(c.close(z(3)), S::kOk, "close (left closed)");
  return failures ? 1 : 0;
}

int refuse(const std::string& path) {
  try {
    HostZonedDevice::open(path);
  } catch (const std::exception& e) {
    std::printf("refused: %s\n", e.what());
    expect(std::string(e.what()).find("is not a zoned block device") != std::string::npos,
           "refused as not zoned");
    return failures ? 1 : 0;
  }
  expect(false, path + " was opened as a zoned device");
  return 1;
}

}  // namespace
}  // namespace zvmm::zoned

int main(int argc, char** argv) {
  using namespace zvmm::zoned;
  if (argc != 3) {
    std::fprintf(stderr, "usage: zoned-host-check geometry|report|exercise|refuse DEVICE\n");
    return 2;
  }
  const std::string cmd = argv[1], dev = argv[2];
  try {
    if (cmd == "geometry") return geometry(dev);
    if (cmd == "report") return report(dev);
    if (cmd == "exercise") return exercise(dev);
    if (cmd == "refuse") return refuse(dev);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "zoned-host-check %s %s: %s\n", cmd.c_str(), dev.c_str(), e.what());
    return 1;
  }
  std::fprintf(stderr, "zoned-host-check: unknown command %s\n", cmd.c_str());
  return 2;
}

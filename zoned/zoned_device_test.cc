// ZonedDevice over an emulated image: the factory, the spec parser, and the
// calls the engine does not have (write zeroes, discard, read-only).
#include "zoned/zoned_device.h"

#include <gtest/gtest.h>

#include "zoned/open_zoned_device.h"
#include "zoned/sync_zone_client.h"
#include "zoned/test_support.h"

namespace zvmm::zoned {
namespace {

using C = ZoneCondition;
using S = ZoneStatus;
using testing::error_of;
using testing::pattern;

constexpr uint64_t kZs = 2048;  // sectors per 1 MiB zone

// The text form shares ZonedDeviceSpecParser with --disk (vmm/disk_config_test.cc
// has the option's own cases): the same keys, messages and geometry checks.
TEST(ZonedDeviceSpec, ParsesHostAndFileSpecs) {
  ZonedDeviceSpec h = parse_zoned_device_spec("host=/dev/nullb0,readonly");
  EXPECT_TRUE(h.host);
  EXPECT_TRUE(h.read_only);
  EXPECT_EQ(h.path, "/dev/nullb0");
  EXPECT_FALSE(h.geometry);

  ZonedDeviceSpec f = parse_zoned_device_spec(
      "file=/x.img,size=64M,zone-size=4M,zone-capacity=3M,conventional-zones=2,max-open=4,"
      "max-active=6,max-append=64K,zoned=ha,readonly=off");
  EXPECT_FALSE(f.host);
  EXPECT_FALSE(f.plain);
  EXPECT_FALSE(f.read_only);
  EXPECT_TRUE(f.use_io_uring);
  ASSERT_TRUE(f.geometry);
  EXPECT_EQ(f.geometry->device_bytes, 64u << 20);
  EXPECT_EQ(f.geometry->zone_size_bytes, 4u << 20);
  EXPECT_EQ(f.geometry->zone_capacity_bytes, 3u << 20);
  EXPECT_EQ(f.geometry->nr_conventional, 2u);
  EXPECT_EQ(f.geometry->max_open, 4u);
  EXPECT_EQ(f.geometry->max_active, 6u);
  EXPECT_EQ(f.geometry->max_append_bytes, 64u << 10);
  EXPECT_EQ(f.geometry->model, ZonedModel::kHostAware);
  EXPECT_EQ(f.geometry->logical_block_size, 512u);
  EXPECT_FALSE(parse_zoned_device_spec("file=/y.img").geometry);
  // size= alone: a host-managed image with the default zone size.
  ZonedDeviceSpec d = parse_zoned_device_spec("file=/z.img,size=1G");
  ASSERT_TRUE(d.geometry);
  EXPECT_EQ(d.geometry->zone_size_bytes, kDefaultZoneSize);
  EXPECT_EQ(d.geometry->model, ZonedModel::kHostManaged);
  ZonedDeviceSpec p = parse_zoned_device_spec("file=/r.raw,zoned=none,size=4096");
  EXPECT_TRUE(p.plain);
  EXPECT_FALSE(p.geometry);
  EXPECT_EQ(p.plain_size, 4096u);  // a bare number is bytes
}

TEST(ZonedDeviceSpec, RefusesBadSpecs) {
  struct Case {
    const char* spec;
    const char* message;  // the whole message
  };
  for (const Case& c : {
           Case{"size=1G", "needs file=PATH or host=/dev/DEVICE"},
           Case{"file=a,colour=red", "unknown key 'colour'"},
           Case{"file=a,,size=1G", "empty item"},
           Case{"file=a,host=b", "more than one of file= and host="},
           Case{"file=", "file= needs a path"},
           Case{"file=a,size=1G,size=2G", "size is given twice"},
           Case{"host=/dev/x,size=1G,zone-size=1M",
                "host devices take their geometry from the device (no size, zoned or zone options)"},
           Case{"host=/dev/x,zoned=hm",
                "host devices take their geometry from the device (no size, zoned or zone options)"},
           Case{"file=a,size=1Q,zone-size=1M",
                "size: '1Q' is not a size (a number with an optional unit K, M, G or T, powers of 1024; a bare "
                "number is bytes)"},
           Case{"file=a,zone-size=", "zone-size needs a value"},
           Case{"file=a,max-open=x,size=1G,zone-size=1M", "max-open=x is not a number from 0 to 4294967295"},
           Case{"file=a,zoned=zz", "zoned=zz is not hm, ha or none"},
           Case{"file=a,readonly=maybe", "readonly=maybe is not on or off"},
           Case{"file=a,zone-size=4M",
                "geometry options need size= (an existing image keeps its geometry: give all of it or none)"},
           Case{"file=a,zoned=ha",
                "geometry options need size= (an existing image keeps its geometry: give all of it or none)"},
           Case{"file=a,zoned=none,zone-size=4M", "zoned=none (a plain disk) takes only size"},
           // Geometry rules (ZoneGeometry::from_config), before anything is created.
           Case{"file=a,size=0,zone-size=4M", "device size is 0: a disk needs a nonzero size"},
           Case{"file=a,size=4M,zone-size=0", "zone size is 0: it must be a power of two"},
           Case{"file=a,size=32M", "device size 32M is smaller than the zone size 64M: a zoned disk needs at "
                                   "least one full zone (Linux sizes its zone report from size / zone size)"},
           // A plain disk's size too: PlainImage would create the file first.
           Case{"file=a,zoned=none,size=0", "device size is 0: a disk needs a nonzero size"},
           Case{"file=a,zoned=none,size=1000",
                "device size 1000 is not a multiple of the 512-byte logical block size"},
       }) {
    EXPECT_EQ(error_of([&] { parse_zoned_device_spec(c.spec); }), c.message) << c.spec;
  }
}

TEST(OpenZonedDevice, ChecksAGeometryGivenAsAStruct) {
  // Specs filled without the parser are checked when opened, naming the file.
  ZonedDeviceSpec s;
  s.path = "a";
  s.geometry = ZoneGeometryConfig{.device_bytes = 0, .zone_size_bytes = 4 << 20};
  std::string err = error_of([&] { open_zoned_device(s); });
  EXPECT_EQ(err, "a: device size is 0: a disk needs a nonzero size");
  EXPECT_EQ(error_of([] { open_zoned_device({}); }), "zoned device spec: empty path");
}

TEST(OpenZonedDevice, CreatesThenKeepsZonesAndRefusesOtherGeometry) {
  const std::string path = testing::fresh_temp_path("device.img");
  const std::string spec = "file=" + path +
                           ",size=16M,zone-size=1M,zone-capacity=512K,conventional-zones=1,max-open=2,"
                           "max-active=3";
  {
    auto dev = open_zoned_device(parse_zoned_device_spec(spec));
    EXPECT_EQ(dev->description(), "emulated " + path);
    EXPECT_EQ(dev->model(), ZonedModel::kHostManaged);
    EXPECT_EQ(dev->capacity_sectors(), 16 * kZs);
    EXPECT_EQ(dev->zone_sectors(), kZs);
    EXPECT_EQ(dev->zone_capacity_sectors(), kZs / 2);
    EXPECT_EQ(dev->nr_zones(), 16u);
    EXPECT_EQ(dev->nr_conventional(), 1u);
    EXPECT_EQ(dev->logical_block_size(), 512u);
    EXPECT_EQ(dev->max_open(), 2u);
    EXPECT_EQ(dev->max_active(), 3u);
    EXPECT_EQ(dev->max_append_sectors(), kZs / 2);
    EXPECT_FALSE(dev->read_only());
    SyncZoneClient c(*dev, 8);
    ASSERT_EQ(c.write(kZs, pattern(kZs, 4096)), S::kOk);
    ASSERT_EQ(c.append(2 * kZs, pattern(2 * kZs, 4096)).sector, 2 * kZs);
    ASSERT_EQ(c.finish(3 * kZs), S::kOk);
    ASSERT_EQ(c.flush(), S::kOk);
  }
  // Reopen without a geometry, and with the same one: zones kept.
  for (const std::string& s : {"file=" + path, spec}) {
    auto dev = open_zoned_device(parse_zoned_device_spec(s));
    std::vector<ZoneDescriptor> zones(16);
    ZoneReport r = dev->report_zones(0, ZoneFilter::kAll, zones);
    ASSERT_EQ(r.status, S::kOk);
    ASSERT_EQ(r.count, 16u);
    // Reopening is a power cycle: the open zones come back CLOSED.
    EXPECT_EQ(zones[1].cond, C::kClosed);
    EXPECT_EQ(zones[1].wp, kZs + 8);
    EXPECT_EQ(zones[2].cond, C::kClosed);
    EXPECT_EQ(zones[3].cond, C::kFull);
    r = dev->report_zones(0, ZoneFilter::kClosed, zones);
    EXPECT_EQ(r.count, 2u);
    EXPECT_EQ(dev->report_zones(16 * kZs, ZoneFilter::kAll, zones).status, S::kOutOfRange);
  }
  std::string err = error_of([&] {
    open_zoned_device(parse_zoned_device_spec("file=" + path + ",size=16M,zone-size=2M"));
  });
  EXPECT_NE(err.find("geometry mismatch"), std::string::npos) << err;
  EXPECT_NE(err.find("zone size 1M vs 2M"), std::string::npos) << err;
}

// Boot-time faults (issue 13): readonly-zones= and offline-zones= make zones
// READ ONLY / OFFLINE when the image is opened, persisted like a device fault.
TEST(OpenZonedDevice, FaultZonesAreAppliedAndPersisted) {
  const std::string path = testing::fresh_temp_path("faults.img");
  const std::string geometry = ",size=16M,zone-size=1M,conventional-zones=1";
  {
    auto dev = open_zoned_device(parse_zoned_device_spec("file=" + path + geometry +
                                                         ",readonly-zones=3+5,offline-zones=7"));
    std::vector<ZoneDescriptor> zones(16);
    ASSERT_EQ(dev->report_zones(0, ZoneFilter::kAll, zones).count, 16u);
    for (uint32_t z = 0; z < 16; ++z) {
      const C want = z == 0 ? C::kNotWp : z == 3 || z == 5 ? C::kReadOnly : z == 7 ? C::kOffline : C::kEmpty;
      EXPECT_EQ(zones[z].cond, want) << "zone " << z;
    }
    SyncZoneClient c(*dev, 4);
    EXPECT_EQ(c.write(3 * kZs, pattern(3 * kZs, 4096)), S::kZoneReadOnly);
  }
  // Without the keys the next open keeps them (the image holds the faults).
  auto dev = open_zoned_device(parse_zoned_device_spec("file=" + path));
  std::vector<ZoneDescriptor> zones(16);
  dev->report_zones(0, ZoneFilter::kAll, zones);
  EXPECT_EQ(zones[3].cond, C::kReadOnly);
  EXPECT_EQ(zones[7].cond, C::kOffline);
  dev.reset();
  // A read-only zone may still go offline (a later fault).
  open_zoned_device(parse_zoned_device_spec("file=" + path + ",offline-zones=3"));
  dev = open_zoned_device(parse_zoned_device_spec("file=" + path));
  dev->report_zones(0, ZoneFilter::kAll, zones);
  EXPECT_EQ(zones[3].cond, C::kOffline);
}

TEST(OpenZonedDevice, RefusesBadFaultZones) {
  const std::string path = testing::fresh_temp_path("badfaults.img");
  const std::string image = "file=" + path + ",size=16M,zone-size=1M,conventional-zones=1";
  EXPECT_EQ(error_of([&] { open_zoned_device(parse_zoned_device_spec(image + ",offline-zones=16")); }),
            "offline-zones=16: zone 16 does not exist (the image has 16 zones)");
  EXPECT_EQ(error_of([&] { open_zoned_device(parse_zoned_device_spec(image + ",readonly-zones=0")); }),
            "readonly-zones=0: zone 0 is conventional (only sequential zones have conditions)");
  EXPECT_EQ(error_of([&] { parse_zoned_device_spec(image + ",readonly-zones=2+x"); }),
            "readonly-zones=2+x is not a list of zone indexes joined by '+' (e.g. 3+7)");
  EXPECT_EQ(error_of([&] { parse_zoned_device_spec(image + ",readonly-zones=2,offline-zones=4+2"); }),
            "zone 2 is in both readonly-zones= and offline-zones=");
  EXPECT_EQ(error_of([&] { parse_zoned_device_spec("host=/dev/nullb0,offline-zones=2"); }),
            "readonly-zones= and offline-zones= need an emulated zoned image (file=, zoned=hm or ha): a host "
            "device keeps its own zone conditions, a plain disk has none");
  EXPECT_EQ(error_of([&] { parse_zoned_device_spec(image + ",readonly,offline-zones=2"); }),
            "readonly-zones= and offline-zones= change the image: not with readonly");
}

TEST(OpenZonedDevice, MissingImageWithoutGeometryIsAnError) {
  const std::string path = testing::fresh_temp_path("missing.img");
  std::string err = error_of([&] { open_zoned_device(parse_zoned_device_spec("file=" + path)); });
  EXPECT_NE(err.find("does not exist"), std::string::npos) << err;
}

TEST(OpenZonedDevice, HostSpecOnARegularFileIsRefused) {
  const std::string path = testing::fresh_temp_path("plain.img");
  { auto f = block::FileBackend::create(path, 1 << 20); }
  std::string err = error_of([&] { open_zoned_device(parse_zoned_device_spec("host=" + path)); });
  EXPECT_NE(err.find("is not a zoned block device"), std::string::npos) << err;
  EXPECT_NE(err.find("6.12"), std::string::npos) << err;
}

class EmulatedDevice : public ::testing::Test {
 protected:
  void SetUp() override {
    spec_.path = testing::fresh_temp_path("emulated.img");
    spec_.geometry = ZoneGeometryConfig{.device_bytes = 8 << 20, .zone_size_bytes = 1 << 20,
                                        .nr_conventional = 2};
    dev_ = open_zoned_device(spec_);
  }
  ZonedDeviceSpec spec_;
  std::unique_ptr<ZonedDevice> dev_;
};

TEST_F(EmulatedDevice, WriteZeroesMovesTheWritePointer) {
  SyncZoneClient c(*dev_, 4);
  ASSERT_EQ(c.write(2 * kZs, pattern(2 * kZs, 4096)), S::kOk);
  auto q = dev_->open_queue(4);
  bool done = false;
  ZoneStatus st{};
  uint64_t sector = 0;
  q->write_zeroes(2 * kZs + 8, 8192, [&](ZoneStatus s, uint64_t at) { st = s, sector = at, done = true; });
  while (!done) q->wait();
  EXPECT_EQ(st, S::kOk);
  EXPECT_EQ(sector, 2 * kZs + 8);
  ZoneDescriptor z;
  ASSERT_EQ(dev_->report_zones(2 * kZs, ZoneFilter::kAll, {&z, 1}).count, 1u);
  EXPECT_EQ(z.wp, 2 * kZs + 24);
  std::vector<uint8_t> buf(8192, 0xff);
  ASSERT_EQ(c.read(2 * kZs + 8, buf), S::kOk);
  EXPECT_EQ(std::count(buf.begin(), buf.end(), 0), 8192);
}

// Write zeroes of a large range costs a list of segments over one shared zero
// buffer, not a buffer of its length: 48 MiB here, with the process's peak
// memory growing by far less than that.
TEST(WriteZeroes, LargeRangeWithoutALargeAllocation) {
  ZoneGeometryConfig g{.device_bytes = 256ull << 20, .zone_size_bytes = 64ull << 20,
                       .nr_conventional = 1};
  testing::EngineFixture f(g, "zeroes.img");
  SyncZoneClient c(*f.engine, 4);
  constexpr uint64_t kBytes = 48ull << 20;
  ASSERT_EQ(c.write(131072, pattern(131072, 4096)), S::kOk);  // zone 1: data, then zeros after it
  testing::reset_peak_rss();
  const long before = testing::peak_rss_kib();
  EXPECT_EQ(c.write_zeroes(131072 + 8, kBytes), S::kOk);
  const long grown = testing::peak_rss_kib() - before;
  EXPECT_LT(grown, 16 * 1024) << "peak RSS grew by " << grown << " KiB for a " << (kBytes >> 20)
                              << " MiB write zeroes";
  EXPECT_EQ(f.engine->zone(1).wp, 131072 + 8 + kBytes / 512);
  std::vector<uint8_t> buf(1 << 20, 0xff);
  ASSERT_EQ(c.read(131072 + 8 + kBytes / 512 - 2048, buf), S::kOk);
  EXPECT_EQ(std::count(buf.begin(), buf.end(), 0), 1 << 20);
  // Above the limit of one request: refused, not allocated.
  EXPECT_EQ(c.write_zeroes(0, kMaxWriteZeroesBytes + 4096), S::kInvalidField);
}

TEST_F(EmulatedDevice, DiscardZeroesConventionalZonesOnly) {
  SyncZoneClient c(*dev_, 4);
  ASSERT_EQ(c.write(0, pattern(0, 8192)), S::kOk);
  ASSERT_EQ(c.write(2 * kZs, pattern(2 * kZs, 8192)), S::kOk);
  EXPECT_EQ(c.discard(0, 3 * kZs * kSectorSize), S::kOk);
  std::vector<uint8_t> buf(8192, 0xff);
  ASSERT_EQ(c.read(0, buf), S::kOk);
  EXPECT_EQ(std::count(buf.begin(), buf.end(), 0), 8192);
  ASSERT_EQ(c.read(2 * kZs, buf), S::kOk);
  EXPECT_EQ(testing::first_mismatch(buf, 2 * kZs), -1);
  EXPECT_EQ(c.discard(1, 512), S::kOk);  // 512-byte blocks: aligned
  EXPECT_EQ(c.discard(8 * kZs, 512), S::kOutOfRange);
}

TEST_F(EmulatedDevice, ReadOnlyRefusesChanges) {
  dev_.reset();
  spec_.read_only = true;
  dev_ = open_zoned_device(spec_);
  EXPECT_TRUE(dev_->read_only());
  SyncZoneClient c(*dev_, 4);
  EXPECT_EQ(c.write(2 * kZs, pattern(2 * kZs, 4096)), S::kZoneReadOnly);
  EXPECT_EQ(c.append(2 * kZs, pattern(2 * kZs, 4096)).status, S::kZoneReadOnly);
  EXPECT_EQ(c.open(2 * kZs), S::kZoneReadOnly);
  EXPECT_EQ(c.reset_all(), S::kZoneReadOnly);
  std::vector<uint8_t> buf(4096);
  EXPECT_EQ(c.read(2 * kZs, buf), S::kOk);
}

// The per-queue handle: segments of any split go to the device as they are;
// the wp, the appended sector and the bytes read back match one buffer's.
TEST_F(EmulatedDevice, QueueHandleTakesSegments) {
  auto q = dev_->open_queue(4);
  EXPECT_EQ(&q->device(), dev_.get());
  const uint64_t start = 2 * kZs;
  const auto data = pattern(start, 3 * 4096);
  std::vector<uint8_t> a(data.begin(), data.begin() + 4096), b(data.begin() + 4096, data.end());
  const std::vector<iovec> wv{{a.data(), a.size()}, {b.data(), b.size()}};
  bool done = false;
  ZoneStatus st = S::kIoError;
  uint64_t at = 0;
  q->plug();
  q->write(start, wv, [&](ZoneStatus s, uint64_t) { st = s, done = true; });
  q->unplug();
  while (!done) q->wait();
  ASSERT_EQ(st, S::kOk);
  done = false;
  q->append(start, wv, [&](ZoneStatus s, uint64_t sector) { st = s, at = sector, done = true; });
  while (!done) q->wait();
  ASSERT_EQ(st, S::kOk);
  EXPECT_EQ(at, start + 24);
  // Read back 7 blocks (the last above the wp) into three segments.
  std::vector<uint8_t> r0(512, 0xee), r1(4096 * 5, 0xee), r2(4096 * 2 - 512, 0xee);
  const std::vector<iovec> rv{{r0.data(), r0.size()}, {r1.data(), r1.size()}, {r2.data(), r2.size()}};
  done = false;
  q->read(start, rv, [&](ZoneStatus s) { st = s, done = true; });
  EXPECT_FALSE(done);  // never inline
  while (!done) q->wait();
  ASSERT_EQ(st, S::kOk);
  std::vector<uint8_t> got(r0);
  got.insert(got.end(), r1.begin(), r1.end());
  got.insert(got.end(), r2.begin(), r2.end());
  EXPECT_EQ(testing::first_mismatch(std::span(got).first(3 * 4096), start), -1);
  EXPECT_EQ(testing::first_mismatch(std::span(got).subspan(3 * 4096, 3 * 4096), start), -1);
  EXPECT_EQ(std::count(got.begin() + 6 * 4096, got.end(), 0), 4096);
  // Zone management and flush through the same handle; wait_idle leaves nothing in flight.
  done = false;
  q->zone_op_all(ZoneOp::kFinish, [&](ZoneStatus s) { st = s, done = true; });
  q->flush([&](ZoneStatus) {});
  q->wait_idle();
  while (!done) q->wait();
  EXPECT_EQ(st, S::kOk);
  EXPECT_EQ(q->in_flight(), 0u);
  ZoneDescriptor z;
  ASSERT_EQ(dev_->report_zones(start, ZoneFilter::kAll, {&z, 1}).count, 1u);
  EXPECT_EQ(z.cond, ZoneCondition::kFull);
}

}  // namespace
}  // namespace zvmm::zoned

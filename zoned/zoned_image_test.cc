// Persistence: restart round trips, corrupt and mismatched images refused.
#include "zoned/zoned_image.h"

#include <gtest/gtest.h>

#include "base/le.h"
#include "zoned/crc32c.h"
#include "zoned/open_zoned_device.h"
#include "zoned/sync_zone_client.h"
#include "zoned/test_support.h"
#include "zoned/zone_slot.h"

namespace zvmm::zoned {
namespace {

using C = ZoneCondition;
using S = ZoneStatus;
using testing::error_of;
using testing::pattern;

ZoneGeometry geometry(uint64_t zone_size = 1 << 20) {
  ZoneGeometryConfig c;
  c.device_bytes = 32ull << 20;
  c.zone_size_bytes = zone_size;
  c.zone_capacity_bytes = zone_size / 2;
  c.nr_conventional = 1;
  c.max_open = 4;
  c.max_active = 6;
  return ZoneGeometry::from_config(c);
}

std::string fresh(const std::string& name) {
  std::string p = testing::fresh_temp_path(name);
  ZonedImage::create(p, geometry());
  return p;
}

// Reopening is a power cycle: open zones come back CLOSED (EMPTY without data),
// every other condition, write pointer and byte is kept.
TEST(ZonedImage, RestartSeesSameZonesAndData) {
  const std::string path = fresh("roundtrip.img");
  const uint64_t zs = 2048;  // sectors per zone
  std::vector<ZoneDescriptor> before(32);
  {
    auto image = ZonedImage::open(path, geometry());
    SyncZoneClient c(image->engine(), 16);
    ASSERT_EQ(c.write(0, pattern(0, 8192)), S::kOk);  // conventional
    ASSERT_EQ(c.write(zs, pattern(zs, 8192)), S::kOk);                 // IMP_OPEN
    ASSERT_EQ(c.open(2 * zs), S::kOk);                                  // EXP_OPEN
    ASSERT_EQ(c.append(2 * zs, pattern(2 * zs, 4096)).sector, 2 * zs);
    ASSERT_EQ(c.write(3 * zs, pattern(3 * zs, 4096)), S::kOk);
    ASSERT_EQ(c.close(3 * zs), S::kOk);                                 // CLOSED
    ASSERT_EQ(c.write(4 * zs, pattern(4 * zs, 4096)), S::kOk);
    ASSERT_EQ(c.finish(4 * zs), S::kOk);                                // FULL
    ASSERT_EQ(c.open(7 * zs), S::kOk);                                  // EXP_OPEN, no data
    ASSERT_EQ(image->engine().inject_condition(5 * zs, C::kReadOnly), S::kOk);
    ASSERT_EQ(image->engine().inject_condition(6 * zs, C::kOffline), S::kOk);
    ASSERT_EQ(c.flush(), S::kOk);
    ASSERT_EQ(image->engine().report_zones(0, ZoneFilter::kAll, before).count, 32u);
  }
  auto image = ZonedImage::open(path, geometry());
  std::vector<ZoneDescriptor> after(32);
  ASSERT_EQ(image->engine().report_zones(0, ZoneFilter::kAll, after).count, 32u);
  ASSERT_EQ(before[1].cond, C::kImplicitOpen);
  ASSERT_EQ(before[2].cond, C::kExplicitOpen);
  ASSERT_EQ(before[7].cond, C::kExplicitOpen);
  for (size_t i = 0; i < 32; ++i) {
    const C want = i == 1 || i == 2 ? C::kClosed : i == 7 ? C::kEmpty : before[i].cond;
    EXPECT_EQ(after[i].cond, want) << "zone " << i;
    EXPECT_EQ(after[i].wp, before[i].wp) << "zone " << i;
  }
  EXPECT_EQ(image->engine().resource_counts().open, 0u);
  EXPECT_EQ(image->engine().resource_counts().active, 3u);  // zones 1, 2, 3: CLOSED
  SyncZoneClient c(image->engine(), 16);
  std::vector<uint8_t> buf(8192);
  ASSERT_EQ(c.read(0, buf), S::kOk);
  EXPECT_EQ(testing::first_mismatch(buf, 0), -1);
  ASSERT_EQ(c.read(zs, buf), S::kOk);
  EXPECT_EQ(testing::first_mismatch(buf, zs), -1);
  // Writing continues at the restored wp (the CLOSED zone opens implicitly).
  EXPECT_EQ(c.write(zs + 16, pattern(zs + 16, 4096)), S::kOk);
  EXPECT_EQ(image->engine().zone(1).cond, C::kImplicitOpen);
  EXPECT_EQ(c.write(zs + 8, pattern(zs + 8, 4096)), S::kUnalignedWrite);
}

TEST(ZonedImage, HostAwareNonSeqSurvivesRestart) {
  std::string path = testing::temp_path("ha.img");
  ::unlink(path.c_str());
  ZoneGeometryConfig cfg = geometry().config();
  cfg.model = ZonedModel::kHostAware;
  auto g = ZoneGeometry::from_config(cfg);
  ZonedImage::create(path, g);
  {
    auto image = ZonedImage::open(path, g);
    SyncZoneClient c(image->engine(), 4);
    ASSERT_EQ(c.write(2048 + 64, pattern(2048 + 64, 4096)), S::kOk);
  }
  auto image = ZonedImage::open(path, g);
  auto z = image->engine().zone(1);
  EXPECT_TRUE(z.non_seq);
  EXPECT_EQ(z.wp, 2048u + 72);
}

TEST(ZonedImage, CorruptHeaderIsRefused) {
  const std::string path = fresh("corrupt.img");
  {
    auto file = block::FileBackend::open(path);
    uint8_t b = 0x55;
    ASSERT_EQ(file->write(30, std::span(&b, 1)), 1);
  }
  std::string err = error_of([&] { ZonedImage::open(path, geometry()); });
  EXPECT_NE(err.find("checksum mismatch"), std::string::npos) << err;
  EXPECT_NE(err.find(path), std::string::npos) << err;
}

TEST(ZonedImage, NotAnImageIsRefused) {
  std::string path = testing::temp_path("plain.img");
  block::FileBackend::create(path, 8 << 20);
  std::string err = error_of([&] { ZonedImage::open(path); });
  EXPECT_NE(err.find("bad magic"), std::string::npos) << err;
}

TEST(ZonedImage, CorruptZoneSlotIsRefusedNotReset) {
  const std::string path = fresh("slot.img");
  {
    auto file = block::FileBackend::open(path);
    uint8_t b = 0x01;
    ASSERT_EQ(file->write(kImageHeaderBytes + 3 * kZoneSlotBytes, std::span(&b, 1)), 1);
  }
  std::string err = error_of([&] { ZonedImage::open(path, geometry()); });
  EXPECT_NE(err.find("zone 3"), std::string::npos) << err;
}

TEST(ZonedImage, GeometryMismatchIsRefused) {
  const std::string path = fresh("mismatch.img");
  std::string err = error_of([&] { ZonedImage::open(path, geometry(2 << 20)); });
  EXPECT_NE(err.find("geometry mismatch"), std::string::npos) << err;
  EXPECT_NE(err.find("zone size 1M vs 2M"), std::string::npos) << err;
  // The image itself is untouched and still opens with the right geometry.
  EXPECT_NO_THROW(ZonedImage::open(path, geometry()));
}

// Rewrites `bytes` (4 or 8) little-endian bytes at `offset` of an image header,
// with a valid checksum: a header written by an older build that accepted it.
void patch_header(const std::string& path, size_t offset, uint64_t value, size_t bytes) {
  constexpr size_t kCrc = kImageHeaderBytes - 4;
  auto file = block::FileBackend::open(path);
  std::vector<uint8_t> h(kImageHeaderBytes);
  ASSERT_EQ(file->read(0, h), static_cast<int64_t>(h.size()));
  if (bytes == 8) store_le<uint64_t>(h, offset, value);
  else store_le<uint32_t>(h, offset, static_cast<uint32_t>(value));
  store_le<uint32_t>(h, kCrc, crc32c(std::span<const uint8_t>(h).first(kCrc)));
  ASSERT_EQ(file->write(0, h), static_cast<int64_t>(h.size()));
}

TEST(ZonedImage, HeaderWithAGeometryLinuxRejectsIsRefused) {
  constexpr size_t kDeviceBytes = 16, kMaxActive = 52;  // image_header.cc
  struct Case {
    const char* name;
    size_t offset, bytes;
    uint64_t value;
    const char* rule;
  };
  for (const Case& k : {
           // geometry(): 32 zones of 1M, 1 conventional, limits 4/6.
           Case{"limit.img", kMaxActive, 4, 40,
                "max active zones (40) is larger than the number of sequential zones (31)"},
           Case{"runt.img", kDeviceBytes, 8, 512 << 10, "device size 512K is smaller than the zone size 1M"},
       }) {
    const std::string path = fresh(k.name);
    patch_header(path, k.offset, k.value, k.bytes);
    for (const std::string& err :
         {error_of([&] { ZonedImage::open(path); }),
          error_of([&] { open_zoned_device(parse_zoned_device_spec("file=" + path)); })}) {
      EXPECT_NE(err.find(path + ": invalid geometry in header: "), std::string::npos) << err;
      EXPECT_NE(err.find(k.rule), std::string::npos) << err;
      EXPECT_EQ(err.find('\n'), std::string::npos) << err;
    }
  }
}

TEST(ZonedImage, TruncatedImageIsRefused) {
  const std::string path = fresh("truncated.img");
  ASSERT_EQ(::truncate(path.c_str(), 2 << 20), 0);
  std::string err = error_of([&] { ZonedImage::open(path); });
  EXPECT_NE(err.find("truncated"), std::string::npos) << err;
}

TEST(ZonedImage, CreateRefusesToOverwriteAndOpenIsExclusive) {
  const std::string path = fresh("exclusive.img");
  EXPECT_NE(error_of([&] { ZonedImage::create(path, geometry()); }).find("already exists"), std::string::npos);
  auto first = ZonedImage::open(path);
  EXPECT_NE(error_of([&] { ZonedImage::open(path); }).find("in use"), std::string::npos);
}

TEST(ZoneSlot, RoundTripAndCorruptionDetection) {
  PersistedZone s{C::kClosed, true, 12345};
  uint64_t w = encode_zone_slot(7, s);
  ASSERT_TRUE(decode_zone_slot(7, w).has_value());
  EXPECT_EQ(*decode_zone_slot(7, w), s);
  EXPECT_FALSE(decode_zone_slot(8, w).has_value());  // slot of another zone
  for (int bit = 0; bit < 64; ++bit) {
    EXPECT_FALSE(decode_zone_slot(7, w ^ (uint64_t{1} << bit)).has_value()) << bit;
  }
  EXPECT_FALSE(decode_zone_slot(0, 0).has_value());  // never-initialized slot
}

}  // namespace
}  // namespace zvmm::zoned

#include "zoned/zone_geometry.h"

#include <gtest/gtest.h>

namespace zvmm::zoned {
namespace {

ZoneGeometryConfig base() {
  ZoneGeometryConfig c;
  c.device_bytes = 4ull << 30;
  c.zone_size_bytes = 64ull << 20;
  return c;
}

TEST(ZoneGeometry, DerivesZonesInSectors) {
  auto c = base();
  c.zone_capacity_bytes = 48ull << 20;
  c.nr_conventional = 4;
  auto g = ZoneGeometry::from_config(c);
  EXPECT_EQ(g.nr_zones(), 64u);
  EXPECT_EQ(g.zone_sectors(), (64u << 20) / 512);
  EXPECT_EQ(g.zone_capacity(4), (48u << 20) / 512);
  EXPECT_EQ(g.zone_capacity(0), g.zone_sectors());  // conventional: capacity == length
  EXPECT_EQ(g.zone_type(3), ZoneType::kConventional);
  EXPECT_EQ(g.zone_type(4), ZoneType::kSequentialWriteRequired);
  EXPECT_EQ(g.zone_index(g.zone_start(9) + 5), 9u);
  EXPECT_EQ(g.max_append_sectors(), 2048u);
}

TEST(ZoneGeometry, ChecksRequestRanges) {
  auto c = base();
  c.logical_block_size = 4096;
  auto g = ZoneGeometry::from_config(c);
  const uint64_t end = g.device_sectors();
  EXPECT_EQ(g.check_range(0, 4096), ZoneStatus::kOk);
  EXPECT_EQ(g.check_range(end - 8, 4096), ZoneStatus::kOk);
  EXPECT_EQ(g.check_range(8, 0), ZoneStatus::kOk);
  EXPECT_EQ(g.check_range(4, 4096), ZoneStatus::kMisaligned);   // sector not on a block
  EXPECT_EQ(g.check_range(8, 512), ZoneStatus::kMisaligned);    // length not whole blocks
  EXPECT_EQ(g.check_range(end, 0), ZoneStatus::kOutOfRange);
  EXPECT_EQ(g.check_range(end - 8, 8192), ZoneStatus::kOutOfRange);
  EXPECT_EQ(g.check_range(8, ~uint64_t{0} - 4095), ZoneStatus::kOutOfRange);  // no overflow
}

TEST(ZoneGeometry, SmallerLastZone) {
  auto c = base();
  c.device_bytes += 16ull << 20;
  c.zone_capacity_bytes = 48ull << 20;
  auto g = ZoneGeometry::from_config(c);
  EXPECT_EQ(g.nr_zones(), 65u);
  EXPECT_EQ(g.zone_len(64), (16u << 20) / 512);
  EXPECT_EQ(g.zone_capacity(64), (16u << 20) / 512);
  c.allow_smaller_last_zone = false;
  EXPECT_THROW(ZoneGeometry::from_config(c), std::invalid_argument);
}

struct BadCase {
  const char* what;
  std::function<void(ZoneGeometryConfig&)> edit;
  const char* message_part;
};

class BadGeometry : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadGeometry, RefusedWithClearMessage) {
  auto c = base();
  GetParam().edit(c);
  try {
    ZoneGeometry::from_config(c);
    FAIL() << GetParam().what << " accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(GetParam().message_part), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Validation, BadGeometry,
    ::testing::Values(
        BadCase{"zone size not power of two", [](auto& c) { c.zone_size_bytes = 48ull << 20; }, "power of two"},
        BadCase{"capacity > size", [](auto& c) { c.zone_capacity_bytes = 128ull << 20; }, "larger than the zone size"},
        BadCase{"block size", [](auto& c) { c.logical_block_size = 1024; }, "512 or 4096"},
        BadCase{"all conventional", [](auto& c) { c.nr_conventional = 64; }, "no sequential zone"},
        BadCase{"open > active", [](auto& c) { c.max_open = 8, c.max_active = 4; }, "exceeds max active"},
        BadCase{"unaligned capacity", [](auto& c) { c.logical_block_size = 4096, c.zone_capacity_bytes = 4096 * 3 + 512; }, "logical block size"},
        BadCase{"append > capacity", [](auto& c) { c.zone_capacity_bytes = 1 << 20, c.max_append_bytes = 2 << 20; }, "append"},
        BadCase{"zero device", [](auto& c) { c.device_bytes = 0; }, "device size is 0"},
        BadCase{"zero zone size", [](auto& c) { c.zone_size_bytes = 0; }, "zone size is 0"},
        // Linux keeps zone sizes in 32 bits of sectors: 1 TiB is the largest power of two.
        BadCase{"zone size above 1T", [](auto& c) { c.device_bytes = c.zone_size_bytes = 2ull << 40; },
                "larger than 1T"},
        // A device smaller than one zone: virtio_blk sizes its report buffer from
        // capacity / zone size (0 here) and the guest has no disk.
        BadCase{"runt (smaller last zone allowed)",
                [](auto& c) { c.device_bytes = 2 << 20, c.zone_size_bytes = 4 << 20; },
                "device size 2M is smaller than the zone size 4M"},
        BadCase{"runt host-aware",
                [](auto& c) {
                  c.device_bytes = 32 << 20, c.model = ZonedModel::kHostAware;
                },
                "needs at least one full zone"},
        // 64 zones, 2 conventional: 62 sequential.
        BadCase{"max open above sequential zones", [](auto& c) { c.nr_conventional = 2, c.max_open = 63; },
                "max open zones (63) is larger than the number of sequential zones (62)"},
        BadCase{"max active above sequential zones",
                [](auto& c) { c.nr_conventional = 2, c.max_open = 4, c.max_active = 63; },
                "max active zones (63) is larger than the number of sequential zones (62)"},
        BadCase{"both above sequential zones", [](auto& c) { c.max_open = c.max_active = 65; },
                "max active zones (65)"},
        BadCase{"limits on a plain disk", [](auto& c) { c.model = ZonedModel::kNone, c.max_open = 1; },
                "number of sequential zones (0)"},
        BadCase{"small last zone not allowed (NVMe)",
                [](auto& c) { c.device_bytes += 1 << 20, c.allow_smaller_last_zone = false; },
                "not a multiple of the zone size"}));

TEST(ZoneGeometry, LimitsUpToTheSequentialZoneCountAreKept) {
  auto c = base();  // 64 zones
  c.nr_conventional = 2;
  c.max_open = c.max_active = 62;
  auto g = ZoneGeometry::from_config(c);
  EXPECT_EQ(g.max_open(), 62u);
  EXPECT_EQ(g.max_active(), 62u);
}

TEST(ZoneGeometry, SmallestUsableZonedDevices) {
  // Exactly one zone; one full zone and a smaller last one.
  auto c = base();
  c.device_bytes = c.zone_size_bytes;
  EXPECT_EQ(ZoneGeometry::from_config(c).nr_zones(), 1u);
  c.device_bytes += 1 << 20;
  c.nr_conventional = 1;
  auto g = ZoneGeometry::from_config(c);
  EXPECT_EQ(g.nr_zones(), 2u);
  EXPECT_EQ(g.zone_capacity(1), (1u << 20) / 512);
  // A plain disk has no zones to report: any whole number of blocks will do.
  EXPECT_EQ(ZoneGeometry::from_config({.device_bytes = 4096, .zone_size_bytes = 1ull << 30,
                                       .model = ZonedModel::kNone})
                .nr_zones(),
            1u);
}

TEST(FormatSize, LargestWholeUnit) {
  EXPECT_EQ(format_size(64ull << 20), "64M");
  EXPECT_EQ(format_size(4096), "4K");
  EXPECT_EQ(format_size(1000), "1000");
  EXPECT_EQ(format_size(0), "0");
}

}  // namespace
}  // namespace zvmm::zoned

#include "devices/virtio/virtio_blk.h"

#include <gtest/gtest.h>

#include "devices/virtio/blk_protocol.h"
#include "devices/virtio/testing/blk_harness.h"
#include "base/le.h"
#include "zoned/test_support.h"

namespace zvmm::virtio {
namespace {

using testing::BlkHarness;
using testing::BlkRequestSpec;
using testing::kMiB;
using zoned::testing::pattern;
namespace st = blk::status;
namespace rq = blk::req;
namespace cfg = blk::cfg;

constexpr uint64_t kZoneSectors = 2048;  // 1 MiB zones
constexpr uint64_t kZoneCapSectors = 1536;

uint64_t zoned_features() { return bit(feature::kVersion1) | bit(blk::feature::kZoned); }
uint64_t plain_features() {
  return bit(feature::kVersion1) | bit(blk::feature::kDiscard) | bit(blk::feature::kWriteZeroes) |
         bit(blk::feature::kFlush);
}

zoned::ZoneGeometryConfig plain_geometry() {
  return {.device_bytes = 16 * kMiB, .zone_size_bytes = kMiB, .model = zoned::ZonedModel::kNone};
}

zoned::ZoneGeometryConfig zoned_geometry(uint32_t max_open = 0, uint32_t max_active = 0) {
  return {.device_bytes = 16 * kMiB,
          .zone_size_bytes = kMiB,
          .zone_capacity_bytes = kZoneCapSectors * 512,
          .nr_conventional = 2,
          .max_open = max_open,
          .max_active = max_active,
          .max_append_bytes = 128 * 1024,
          .model = zoned::ZonedModel::kHostManaged};
}

uint64_t zone(uint32_t z) { return z * kZoneSectors; }

// ---- configuration and features ----

TEST(VirtioBlkConfig, HostManagedLayout) {
  auto fx = zoned::testing::EngineFixture(zoned_geometry(4, 6), "cfg.img");
  BlkConfig c(fx.geometry, {.num_queues = 2, .queue_size = 128});
  const auto b = c.bytes();
  EXPECT_EQ(b.size(), 96u);
  EXPECT_EQ(load_le<uint64_t>(b, cfg::kCapacity), 16 * kMiB / 512);
  EXPECT_EQ(load_le<uint32_t>(b, cfg::kSegMax), 126u);
  EXPECT_EQ(load_le<uint32_t>(b, cfg::kSizeMax), 128u * 1024);
  EXPECT_EQ(load_le<uint32_t>(b, cfg::kBlkSize), 512u);
  EXPECT_EQ(load_le<uint16_t>(b, cfg::kNumQueues), 2u);
  EXPECT_EQ(load_le<uint32_t>(b, cfg::kMaxDiscardSectors), 0u);
  EXPECT_EQ(load_le<uint32_t>(b, 72), kZoneSectors);
  EXPECT_EQ(load_le<uint32_t>(b, 76), 4u);
  EXPECT_EQ(load_le<uint32_t>(b, 80), 6u);
  EXPECT_EQ(load_le<uint32_t>(b, 84), 256u);  // 128 KiB
  EXPECT_EQ(load_le<uint32_t>(b, 88), 512u);
  EXPECT_EQ(b[92], 1);  // host-managed
  EXPECT_TRUE(c.features() & bit(blk::feature::kZoned));
  EXPECT_TRUE(c.features() & bit(blk::feature::kMq));
  EXPECT_FALSE(c.features() & bit(blk::feature::kDiscard));
  EXPECT_FALSE(c.features() & bit(blk::feature::kWriteZeroes));
}

TEST(VirtioBlkConfig, PlainDiskOffersDiscard) {
  auto fx = zoned::testing::EngineFixture(plain_geometry(), "cfg2.img");
  BlkConfig c(fx.geometry, {});
  EXPECT_FALSE(c.features() & bit(blk::feature::kZoned));
  EXPECT_FALSE(c.features() & bit(blk::feature::kMq));
  EXPECT_TRUE(c.features() & bit(blk::feature::kDiscard));
  EXPECT_TRUE(c.features() & bit(blk::feature::kWriteZeroes));
  EXPECT_EQ(load_le<uint32_t>(c.bytes(), cfg::kMaxDiscardSeg), 1u);
  EXPECT_EQ(load_le<uint32_t>(c.bytes(), cfg::kMaxWriteZeroesSectors), 65536u);
  EXPECT_EQ(c.bytes()[cfg::kModel], 0);
  EXPECT_THROW(BlkConfig(fx.geometry, {.serial = std::string(21, 'x')}), std::invalid_argument);
  EXPECT_THROW(BlkConfig(fx.geometry, {.queue_size = 100}), std::invalid_argument);
  // seg_max defaults to queue size - 2, at most one readv/writev's iovecs.
  EXPECT_EQ(load_le<uint32_t>(BlkConfig(fx.geometry, {.queue_size = 256}).bytes(), cfg::kSegMax), 254u);
  EXPECT_EQ(load_le<uint32_t>(BlkConfig(fx.geometry, {.queue_size = 4096}).bytes(), cfg::kSegMax), 1024u);
}

TEST(VirtioBlkDevice, HostManagedRequiresZonedFeature) {
  auto fx = zoned::testing::EngineFixture(zoned_geometry(), "dev.img");
  zoned::ZonedDevice& zd = *fx.engine;
  VirtioBlk dev(zd);
  EXPECT_FALSE(dev.accept_features(bit(feature::kVersion1)));
  EXPECT_TRUE(dev.accept_features(zoned_features()));
  EXPECT_EQ(dev.device_type(), DeviceType::kBlock);
  uint8_t model = 0;
  dev.read_config(cfg::kModel, std::span<uint8_t>(&model, 1));
  EXPECT_EQ(model, 1);
}

// ---- plain disk ----

class PlainBlkTest : public ::testing::Test {
 protected:
  BlkHarness h{plain_geometry(), plain_features(), {.serial = "serial-123", .seg_max = 32}};
};

TEST_F(PlainBlkTest, WriteThenReadSingleAndMultiSegment) {
  auto data = pattern(8, 8192, 1);
  auto w = h.write(8, data, 3);  // bounce path
  ASSERT_TRUE(w.completed);
  EXPECT_EQ(w.status, st::kOk);
  EXPECT_EQ(w.used_len, 1u);  // only the status byte was written
  auto r1 = h.read(8, 8192);  // zero-copy path
  EXPECT_EQ(r1.status, st::kOk);
  EXPECT_EQ(r1.used_len, 8193u);
  EXPECT_EQ(r1.in, data);
  auto r2 = h.read(8, 8192, 5);  // scatter path
  EXPECT_EQ(r2.status, st::kOk);
  EXPECT_EQ(r2.in, data);
  auto r3 = h.submit({.type = rq::kIn, .sector = 8, .in_len = 8192, .indirect = true});
  EXPECT_EQ(r3.in, data);
  EXPECT_FALSE(h.irq.queue_signals.empty());
}

TEST_F(PlainBlkTest, FlushAndGetId) {
  EXPECT_EQ(h.submit({.type = rq::kFlush}).status, st::kOk);
  auto id = h.submit({.type = rq::kGetId, .in_len = 20});
  EXPECT_EQ(id.status, st::kOk);
  EXPECT_EQ(id.used_len, 21u);
  std::vector<uint8_t> expect(20, 0);
  std::string s = "serial-123";
  std::copy(s.begin(), s.end(), expect.begin());
  EXPECT_EQ(id.in, expect);
}

TEST_F(PlainBlkTest, MalformedRequests) {
  // Short header.
  h.drv.publish(h.drv.make_chain({{h.drv.alloc(8), 8, false}, {h.drv.alloc(1), 1, true}}));
  h.run_until_idle();
  EXPECT_EQ(h.drv.used(0).len, 1u);
  // No writable status byte: returned with nothing written.
  h.drv.publish(h.drv.make_chain({{h.drv.alloc(16), 16, false}}));
  h.run_until_idle();
  EXPECT_EQ(h.drv.used(1).len, 0u);
  // Unknown type.
  EXPECT_EQ(h.submit({.type = 99}).status, st::kUnsupp);
  // Zone request without VIRTIO_BLK_F_ZONED.
  EXPECT_EQ(h.report(0, 4096).status, st::kUnsupp);
  EXPECT_EQ(h.zone_op(rq::kZoneOpen, 0).status, st::kUnsupp);
  // Read with the data in the device-readable direction.
  EXPECT_EQ(h.submit({.type = rq::kIn, .out = std::vector<uint8_t>(512)}).status, st::kIoErr);
  // Write with the data in the device-writable direction.
  EXPECT_EQ(h.submit({.type = rq::kOut, .in_len = 512}).status, st::kIoErr);
  // Beyond capacity, misaligned length, zero length.
  EXPECT_EQ(h.read(16 * kMiB / 512, 512).status, st::kIoErr);
  EXPECT_EQ(h.read(16 * kMiB / 512 - 1, 1024).status, st::kIoErr);
  EXPECT_EQ(h.write(0, std::vector<uint8_t>(100)).status, st::kIoErr);
  EXPECT_EQ(h.submit({.type = rq::kOut}).status, st::kIoErr);
  // Larger than seg_max * size_max.
  const uint64_t too_big = h.config.max_request_bytes() + 512;
  EXPECT_EQ(h.read(0, static_cast<uint32_t>(too_big)).status, st::kIoErr);
  EXPECT_FALSE(h.queue->broken());
}

TEST_F(PlainBlkTest, RequestSlotsAreRecycledAcrossManyRequests) {
  // Three times the queue size, alternating single- and multi-segment (bounce)
  // requests, so every slot is reused with storage from a different request.
  for (uint64_t i = 0; i < 3u * h.drv.size(); ++i) {
    const uint64_t sector = (i % 64) * 16;
    auto data = pattern(sector, 8192, static_cast<uint32_t>(i));
    ASSERT_EQ(h.write(sector, data, 1 + static_cast<int>(i % 3)).status, st::kOk) << i;
    auto r = h.read(sector, 8192, 1 + static_cast<int>((i + 1) % 3));
    ASSERT_EQ(r.status, st::kOk) << i;
    ASSERT_EQ(r.in, data) << i;
  }
  EXPECT_FALSE(h.queue->broken());
}

TEST_F(PlainBlkTest, AHeadMadeAvailableAgainWhileInFlightBreaksTheQueue) {
  const uint64_t hdr = h.drv.alloc(16), data = h.drv.alloc(4096), status = h.drv.alloc(1);
  uint8_t header[16] = {};  // IN, sector 0
  h.drv.write(hdr, header);
  const uint16_t head = h.drv.make_chain({{hdr, 16, false}, {data, 4096, true}, {status, 1, true}});
  h.drv.publish(head);
  h.queue->process_available();  // started; completes at the next drain
  ASSERT_EQ(h.queue->outstanding(), 1u);
  h.drv.publish(head);  // the driver hands the same descriptors over again
  h.queue->process_available();
  EXPECT_TRUE(h.queue->broken());
  EXPECT_TRUE(h.irq.needs_reset);
  EXPECT_EQ(h.queue->outstanding(), 1u);  // the first request is untouched
  while (h.queue->outstanding() > 0) h.queue->io().wait();
}

std::vector<uint8_t> segment(uint64_t sector, uint32_t count, uint32_t flags) {
  std::vector<uint8_t> s(16);
  store_le<uint64_t>(s, 0, sector);
  store_le<uint32_t>(s, 8, count);
  store_le<uint32_t>(s, 12, flags);
  return s;
}

TEST_F(PlainBlkTest, DiscardAndWriteZeroes) {
  ASSERT_EQ(h.write(100, pattern(100, 4096)).status, st::kOk);
  EXPECT_EQ(h.submit({.type = rq::kWriteZeroes, .out = segment(102, 4, 1)}).status, st::kOk);
  auto r = h.read(100, 4096);
  auto expect = pattern(100, 4096);
  std::fill(expect.begin() + 1024, expect.begin() + 3072, 0);
  EXPECT_EQ(r.in, expect);
  EXPECT_EQ(h.submit({.type = rq::kDiscard, .out = segment(100, 8, 0)}).status, st::kOk);
  EXPECT_EQ(h.read(100, 4096).in, std::vector<uint8_t>(4096, 0));  // emulated: reads zeros
  EXPECT_EQ(h.submit({.type = rq::kDiscard, .out = segment(100, 8, 1)}).status, st::kUnsupp);
  EXPECT_EQ(h.submit({.type = rq::kDiscard, .out = segment(100, 8, 2)}).status, st::kUnsupp);
  // A multi-chunk write-zeroes (3 MiB).
  ASSERT_EQ(h.write(4096, pattern(4096, 512)).status, st::kOk);
  EXPECT_EQ(h.submit({.type = rq::kWriteZeroes, .out = segment(0, 6144, 0)}).status, st::kOk);
  EXPECT_EQ(h.read(4096, 512).in, std::vector<uint8_t>(512, 0));
  // Out of range, too long, two segments, bad payload length.
  const uint64_t cap = 16 * kMiB / 512;
  EXPECT_EQ(h.submit({.type = rq::kWriteZeroes, .out = segment(cap - 1, 2, 0)}).status, st::kIoErr);
  EXPECT_EQ(h.submit({.type = rq::kWriteZeroes, .out = segment(0, 65537, 0)}).status, st::kIoErr);
  auto two = segment(0, 1, 0);
  auto second = segment(8, 1, 0);
  two.insert(two.end(), second.begin(), second.end());
  EXPECT_EQ(h.submit({.type = rq::kDiscard, .out = two}).status, st::kIoErr);
  EXPECT_EQ(h.submit({.type = rq::kDiscard, .out = std::vector<uint8_t>(12)}).status, st::kIoErr);
}

TEST(PlainBlkFeatures, DiscardWithoutNegotiationIsUnsupported) {
  BlkHarness h{plain_geometry(), bit(feature::kVersion1)};
  EXPECT_EQ(h.submit({.type = rq::kDiscard, .out = segment(0, 8, 0)}).status, st::kUnsupp);
  EXPECT_EQ(h.submit({.type = rq::kWriteZeroes, .out = segment(0, 8, 0)}).status, st::kUnsupp);
}

TEST(PlainBlkFeatures, ReadOnlyRefusesWrites) {
  BlkHarness h{plain_geometry(), plain_features(), {.read_only = true}};
  EXPECT_TRUE(h.config.features() & bit(blk::feature::kRo));
  EXPECT_EQ(h.write(0, std::vector<uint8_t>(512)).status, st::kIoErr);
  EXPECT_EQ(h.read(0, 512).status, st::kOk);
}

// ---- zoned ----

class ZonedBlkTest : public ::testing::Test {
 protected:
  BlkHarness h{zoned_geometry(), zoned_features()};
};

TEST_F(ZonedBlkTest, SequentialWritesAndUnalignedWp) {
  EXPECT_EQ(h.write(zone(2), pattern(zone(2), 4096)).status, st::kOk);
  EXPECT_EQ(h.write(zone(2) + 8, pattern(zone(2) + 8, 4096)).status, st::kOk);
  EXPECT_EQ(h.write(zone(2), pattern(zone(2), 512)).status, st::kZoneUnalignedWp);
  EXPECT_EQ(h.write(zone(2) + 100, pattern(0, 512)).status, st::kZoneUnalignedWp);
  auto r = h.read(zone(2), 8192);
  EXPECT_EQ(r.in, pattern(zone(2), 8192));
  // Reads above the write pointer return zeros.
  EXPECT_EQ(h.read(zone(2) + 16, 512).in, std::vector<uint8_t>(512, 0));
  // Conventional zones take random writes.
  EXPECT_EQ(h.write(100, pattern(100, 512)).status, st::kOk);
  // Crossing the zone capacity.
  EXPECT_EQ(h.write(zone(3), std::vector<uint8_t>((kZoneCapSectors + 1) * 512)).status,
            st::kZoneInvalidCmd);
}

TEST_F(ZonedBlkTest, AppendReturnsItsSector) {
  auto a = h.append(zone(4), pattern(zone(4), 4096));
  ASSERT_TRUE(a.completed);
  EXPECT_EQ(a.status, st::kOk);
  EXPECT_EQ(a.used_len, 16u);  // the whole in-header
  EXPECT_EQ(load_le<uint64_t>(a.in_header, 0), zone(4));
  EXPECT_EQ(a.in_header[15], st::kOk);
  auto b = h.append(zone(4), pattern(zone(4) + 8, 1024));
  EXPECT_EQ(load_le<uint64_t>(b.in_header, 0), zone(4) + 8);
  EXPECT_EQ(h.read(zone(4), 5120).in, [] {
    auto p = pattern(zone(4), 4096);
    auto q = pattern(zone(4) + 8, 1024);
    p.insert(p.end(), q.begin(), q.end());
    return p;
  }());
  // The spec's minimal 9-byte in-header works too.
  auto c = h.submit({.type = rq::kZoneAppend, .sector = zone(4), .out = std::vector<uint8_t>(512),
                     .status_len = 9});
  EXPECT_EQ(c.status, st::kOk);
  EXPECT_EQ(c.used_len, 9u);
  EXPECT_EQ(load_le<uint64_t>(c.in_header, 0), zone(4) + 10);
  // Errors: not a zone start, too large, conventional zone, beyond capacity, short in-header.
  EXPECT_EQ(h.append(zone(4) + 8, std::vector<uint8_t>(512)).status, st::kZoneInvalidCmd);
  EXPECT_EQ(h.append(zone(5), std::vector<uint8_t>(128 * 1024 + 512)).status, st::kZoneInvalidCmd);
  EXPECT_EQ(h.append(zone(0), std::vector<uint8_t>(512)).status, st::kZoneInvalidCmd);
  EXPECT_EQ(h.append(zone(16), std::vector<uint8_t>(512)).status, st::kZoneInvalidCmd);
  EXPECT_EQ(h.submit({.type = rq::kZoneAppend, .sector = zone(5), .out = std::vector<uint8_t>(512),
                      .status_len = 4})
                .status,
            st::kIoErr);
  auto failed = h.append(zone(4) + 8, std::vector<uint8_t>(512));
  EXPECT_EQ(failed.used_len, 16u);  // so the driver keeps our status
}

// Multi-segment chains go to the device as segment lists (guest pages straight
// to the backend): the guest sees the same bytes and statuses as with one
// buffer.
TEST(SegmentedBlkTest, WritesAppendsAndReadsAcrossTheWp) {
  BlkHarness h{zoned_geometry(), zoned_features(), {}, {.indirect = true}, "sg.img"};
  const auto data = pattern(zone(2), 8192);
  auto w = h.write(zone(2), data, 5);
  ASSERT_EQ(w.status, st::kOk);
  EXPECT_EQ(w.used_len, 1u);
  auto a = h.submit({.type = rq::kZoneAppend, .sector = zone(2), .out = pattern(zone(2) + 16, 2048),
                     .status_len = 16, .out_split = 4});
  ASSERT_EQ(a.status, st::kOk);
  EXPECT_EQ(load_le<uint64_t>(a.in_header, 0), zone(2) + 16);
  // 20 sectors read into 3 segments: 16 + 4 written, the rest above the wp.
  auto r = h.read(zone(2), 16384, 3);
  ASSERT_EQ(r.status, st::kOk);
  EXPECT_EQ(r.used_len, 16385u);
  auto expect = data;
  const auto tail = pattern(zone(2) + 16, 2048);
  expect.insert(expect.end(), tail.begin(), tail.end());
  expect.resize(16384, 0);
  EXPECT_EQ(r.in, expect);
  // Errors keep their statuses.
  EXPECT_EQ(h.write(zone(2), data, 3).status, st::kZoneUnalignedWp);
  EXPECT_EQ(h.submit({.type = rq::kIn, .sector = zone(16), .in_len = 1024, .in_split = 2}).status,
            st::kIoErr);
  EXPECT_FALSE(h.queue->broken());
}

TEST_F(ZonedBlkTest, ZoneManagementStatuses) {
  EXPECT_EQ(h.zone_op(rq::kZoneClose, zone(3)).status, st::kZoneInvalidCmd);  // EMPTY
  EXPECT_EQ(h.zone_op(rq::kZoneOpen, zone(3)).status, st::kOk);
  EXPECT_EQ(h.zone_op(rq::kZoneOpen, zone(3)).status, st::kOk);  // no-op
  EXPECT_EQ(h.zone_op(rq::kZoneClose, zone(3)).status, st::kOk);
  EXPECT_EQ(h.zone_op(rq::kZoneFinish, zone(3)).status, st::kOk);
  EXPECT_EQ(h.write(zone(3), std::vector<uint8_t>(512)).status, st::kZoneInvalidCmd);  // FULL
  EXPECT_EQ(h.zone_op(rq::kZoneOpen, zone(3)).status, st::kZoneInvalidCmd);
  EXPECT_EQ(h.zone_op(rq::kZoneReset, zone(3)).status, st::kOk);
  EXPECT_EQ(h.write(zone(3), std::vector<uint8_t>(512)).status, st::kOk);
  EXPECT_EQ(h.zone_op(rq::kZoneOpen, zone(3) + 1).status, st::kZoneInvalidCmd);  // not a start
  EXPECT_EQ(h.zone_op(rq::kZoneOpen, zone(0)).status, st::kZoneInvalidCmd);      // conventional
  EXPECT_EQ(h.zone_op(rq::kZoneOpen, zone(16)).status, st::kZoneInvalidCmd);     // beyond
  EXPECT_EQ(h.zone_op(rq::kZoneResetAll, 0).status, st::kOk);
  EXPECT_EQ(h.fx.engine->zone(3).cond, zoned::ZoneCondition::kEmpty);
  // Zone management carries no data.
  EXPECT_EQ(h.submit({.type = rq::kZoneOpen, .sector = zone(3), .in_len = 8}).status, st::kIoErr);
}

TEST_F(ZonedBlkTest, OfflineZoneFailsReadsWithIoErr) {
  ASSERT_EQ(h.fx.engine->inject_condition(zone(6), zoned::ZoneCondition::kOffline),
            zoned::ZoneStatus::kOk);
  EXPECT_EQ(h.read(zone(6), 512).status, st::kIoErr);
  EXPECT_EQ(h.write(zone(6), std::vector<uint8_t>(512)).status, st::kZoneInvalidCmd);
}

TEST(ZonedBlkResources, OpenAndActiveLimits) {
  BlkHarness h{zoned_geometry(/*max_open=*/1, /*max_active=*/2), zoned_features()};
  EXPECT_EQ(h.zone_op(rq::kZoneOpen, zone(2)).status, st::kOk);
  EXPECT_EQ(h.zone_op(rq::kZoneOpen, zone(3)).status, st::kZoneOpenResource);
  EXPECT_EQ(h.write(zone(3), std::vector<uint8_t>(512)).status, st::kZoneOpenResource);
  ASSERT_EQ(h.write(zone(2), std::vector<uint8_t>(512)).status, st::kOk);
  EXPECT_EQ(h.zone_op(rq::kZoneClose, zone(2)).status, st::kOk);  // CLOSED: active 1, open 0
  EXPECT_EQ(h.zone_op(rq::kZoneOpen, zone(3)).status, st::kOk);   // active 2, open 1
  ASSERT_EQ(h.write(zone(3), std::vector<uint8_t>(512)).status, st::kOk);
  EXPECT_EQ(h.zone_op(rq::kZoneClose, zone(3)).status, st::kOk);  // active 2, open 0
  EXPECT_EQ(h.zone_op(rq::kZoneOpen, zone(4)).status, st::kZoneActiveResource);
  EXPECT_EQ(h.write(zone(4), std::vector<uint8_t>(512)).status, st::kZoneActiveResource);
  EXPECT_EQ(h.append(zone(4), std::vector<uint8_t>(512)).status, st::kZoneActiveResource);
}

TEST_F(ZonedBlkTest, ReportLayoutByteByByte) {
  ASSERT_EQ(h.write(zone(2), std::vector<uint8_t>(4096)).status, st::kOk);  // IMP_OPEN, wp +8
  ASSERT_EQ(h.zone_op(rq::kZoneFinish, zone(3)).status, st::kOk);            // FULL
  ASSERT_EQ(h.zone_op(rq::kZoneOpen, zone(4)).status, st::kOk);              // EXP_OPEN
  // From the middle of zone 1 (conventional), room for 4 descriptors.
  const uint32_t buf = 64 + 4 * 64;
  auto r = h.report(zone(1) + 77, buf);
  ASSERT_TRUE(r.completed);
  EXPECT_EQ(r.status, st::kOk);
  EXPECT_EQ(r.used_len, buf + 1);
  const auto& b = r.in;
  EXPECT_EQ(load_le<uint64_t>(b, 0), 4u);
  for (int i = 8; i < 64; ++i) EXPECT_EQ(b[i], 0) << "header reserved byte " << i;
  struct Z { uint64_t cap, start, wp; uint8_t type, state; };
  const Z expect[] = {
      {kZoneSectors, zone(1), zone(2), 1, 0x0},          // conventional, NOT_WP
      {kZoneCapSectors, zone(2), zone(2) + 8, 2, 0x2},   // IMP_OPEN
      {kZoneCapSectors, zone(3), zone(4), 2, 0xe},       // FULL: wp = start + len
      {kZoneCapSectors, zone(4), zone(4), 2, 0x3},       // EXP_OPEN
  };
  for (int i = 0; i < 4; ++i) {
    const size_t o = 64 + 64 * i;
    EXPECT_EQ(load_le<uint64_t>(b, o + 0), expect[i].cap) << i;
    EXPECT_EQ(load_le<uint64_t>(b, o + 8), expect[i].start) << i;
    EXPECT_EQ(load_le<uint64_t>(b, o + 16), expect[i].wp) << i;
    EXPECT_EQ(b[o + 24], expect[i].type) << i;
    EXPECT_EQ(b[o + 25], expect[i].state) << i;
    for (int k = 26; k < 64; ++k) EXPECT_EQ(b[o + k], 0) << "zone " << i << " reserved " << k;
  }
  // A larger buffer than there are zones: nr_zones counts what was sent, the
  // rest is zeroed and the used length still covers the whole buffer.
  auto all = h.report(zone(14), 64 + 8 * 64 + 10);
  EXPECT_EQ(all.status, st::kOk);
  EXPECT_EQ(load_le<uint64_t>(all.in, 0), 2u);
  EXPECT_EQ(all.used_len, 64 + 8 * 64 + 11u);
  for (size_t i = 64 + 2 * 64; i < all.in.size(); ++i) ASSERT_EQ(all.in[i], 0) << i;
  // Partial trailing descriptor space is not counted.
  auto partial = h.report(0, 64 + 64 + 63);
  EXPECT_EQ(load_le<uint64_t>(partial.in, 0), 1u);
  // Errors.
  EXPECT_EQ(h.report(zone(16), 4096).status, st::kZoneInvalidCmd);
  EXPECT_EQ(h.report(0, 32).status, st::kIoErr);
  // Split across descriptors.
  auto split = h.submit({.type = rq::kZoneReport, .sector = 0, .in_len = 64 * 17, .in_split = 7});
  EXPECT_EQ(load_le<uint64_t>(split.in, 0), 16u);
}

TEST(ZonedBlkFeatures, HostAwareWithoutZonedNegotiated) {
  auto geo = zoned_geometry();
  geo.model = zoned::ZonedModel::kHostAware;
  BlkHarness h{geo, bit(feature::kVersion1)};
  EXPECT_EQ(h.zone_op(rq::kZoneOpen, zone(2)).status, st::kUnsupp);
  EXPECT_EQ(h.append(zone(2), std::vector<uint8_t>(512)).status, st::kUnsupp);
  EXPECT_EQ(h.report(0, 4096).status, st::kUnsupp);
  // Random writes work on host-aware zones.
  EXPECT_EQ(h.write(zone(2) + 64, pattern(zone(2) + 64, 512)).status, st::kOk);
  EXPECT_EQ(h.read(zone(2) + 64, 512).in, pattern(zone(2) + 64, 512));
}

// ---- device lifecycle with worker threads ----

// Every kick-yield policy serves every request, in bursts and one at a time.
class WorkerTest : public ::testing::TestWithParam<KickYield> {};

TEST_P(WorkerTest, ServesKicksAndStopsOnReset) {
  auto fx = zoned::testing::EngineFixture(plain_geometry(), "worker.img");
  zoned::ZonedDevice& zd = *fx.engine;
  VirtioBlk dev(zd, {.queue_size = 64, .kick_yield = GetParam()});
  GuestMemory mem = GuestMemory::create(32 * kMiB);
  testing::TestDriverQueue drv(mem, 0x100000, 64, 0x400000, kMiB);
  testing::RecordingVirtioInterrupt irq;
  EventFd kick;
  std::vector<ActiveQueue> queues;
  queues.push_back({0, std::get<Virtqueue>(Virtqueue::create(mem, drv.config(), {})), &kick});
  dev.activate(mem, plain_features(), std::move(queues), irq);

  for (int i = 0; i < 20; ++i) {
    if (i == 10) {  // then one request per kick, each waited for
      for (int spin = 0; spin < 5000 && drv.used_idx() != 10; ++spin) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      ASSERT_EQ(drv.used_idx(), 10);
    }
    if (i > 10) {
      for (int spin = 0; spin < 5000 && drv.used_idx() != i; ++spin) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    const uint64_t hdr = drv.alloc(16), data = drv.alloc(4096), st = drv.alloc(1);
    uint8_t h[16] = {};
    store_le<uint32_t>(h, 0, rq::kOut);
    store_le<uint64_t>(h, 8, 8u * i);
    drv.write(hdr, h);
    drv.write(data, pattern(8 * i, 4096));
    drv.publish(drv.make_chain({{hdr, 16, false}, {data, 4096, false}, {st, 1, true}}));
    kick.signal();
  }
  for (int spin = 0; spin < 5000 && drv.used_idx() != 20; ++spin) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(drv.used_idx(), 20);
  EXPECT_GT(irq.queue_signal_count(), 0u);
  dev.reset();  // joins the worker
  std::vector<uint8_t> back(4096);
  auto client = fx.client();
  ASSERT_EQ(client.read(8 * 19, back), zoned::ZoneStatus::kOk);
  EXPECT_EQ(back, pattern(8 * 19, 4096));
  dev.reset();  // idempotent
}

INSTANTIATE_TEST_SUITE_P(KickYieldPolicies, WorkerTest,
                         ::testing::Values(KickYield::kAuto, KickYield::kOn, KickYield::kOff),
                         [](const ::testing::TestParamInfo<KickYield>& i) {
                           return i.param == KickYield::kAuto ? "Auto" : i.param == KickYield::kOn ? "On" : "Off";
                         });

}  // namespace
}  // namespace zvmm::virtio

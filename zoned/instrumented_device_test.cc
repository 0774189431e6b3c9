#include "zoned/instrumented_device.h"

#include <gtest/gtest.h>

#include <chrono>

#include "zoned/sync_zone_client.h"
#include "zoned/test_support.h"

namespace zvmm::zoned {
namespace {

using S = ZoneStatus;

// 8 zones of 64 KiB (128 sectors), 1 conventional.
ZoneGeometryConfig config() {
  ZoneGeometryConfig c;
  c.device_bytes = 8 * 64 * 1024;
  c.zone_size_bytes = 64 * 1024;
  c.nr_conventional = 1;
  return c;
}
constexpr uint64_t kZone = 128;

struct Fixture {
  Fixture() : base(config(), "instrumented.img"), dev(std::move(base.engine)) {}
  testing::EngineFixture base;
  InstrumentedDevice dev;
};

TEST(InstrumentedDeviceTest, ForwardsAndCounts) {
  Fixture f;
  SyncZoneClient c(f.dev);
  const auto data = testing::pattern(kZone, 8192);
  EXPECT_EQ(c.write(kZone, data), S::kOk);
  std::vector<uint8_t> back(8192);
  EXPECT_EQ(c.read(kZone, back), S::kOk);
  EXPECT_EQ(back, data);
  EXPECT_EQ(c.append(2 * kZone, data).status, S::kOk);
  EXPECT_EQ(c.finish(3 * kZone), S::kOk);
  EXPECT_EQ(c.flush(), S::kOk);
  const IoCounters n = f.dev.counters();
  EXPECT_EQ(n.write_ops, 1u);
  EXPECT_EQ(n.write_bytes, 8192u);
  EXPECT_EQ(n.read_ops, 1u);
  EXPECT_EQ(n.read_bytes, 8192u);
  EXPECT_EQ(n.append_ops, 1u);
  EXPECT_EQ(n.zone_mgmt_ops, 1u);
  EXPECT_EQ(n.flush_ops, 1u);
  EXPECT_EQ(n.injected_errors, 0u);
  EXPECT_EQ(f.dev.nr_zones(), 8u);
}

TEST(InstrumentedDeviceTest, ErrorsHitOnlyTheirRangeAndOperation) {
  Fixture f;
  SyncZoneClient c(f.dev);
  f.dev.add_fault({.sector = 2 * kZone, .sectors = kZone, .op = FaultOp::kRead, .status = S::kIoError});
  std::vector<uint8_t> buf(4096);
  EXPECT_EQ(c.read(2 * kZone + 8, buf), S::kIoError);
  EXPECT_EQ(c.read(2 * kZone - 4, buf), S::kIoError);  // overlaps the range's start
  EXPECT_EQ(c.read(3 * kZone, buf), S::kOk);
  EXPECT_EQ(c.read(kZone, buf), S::kOk);
  // Writes are not reads: the zone's write pointer moves as usual.
  EXPECT_EQ(c.write(2 * kZone, buf), S::kOk);
  EXPECT_EQ(f.dev.counters().injected_errors, 2u);
  EXPECT_EQ(f.dev.clear_faults(), 1u);
  EXPECT_EQ(c.read(2 * kZone, buf), S::kOk);
}

TEST(InstrumentedDeviceTest, FailedWriteNeverReachesTheDevice) {
  Fixture f;
  SyncZoneClient c(f.dev);
  f.dev.add_fault({.sector = kZone, .sectors = kZone, .op = FaultOp::kAny, .status = S::kZoneReadOnly, .count = 2});
  std::vector<uint8_t> buf(4096);
  EXPECT_EQ(c.write(kZone, buf), S::kZoneReadOnly);
  EXPECT_EQ(c.append(kZone, buf).status, S::kZoneReadOnly);
  ZoneDescriptor d;
  ASSERT_EQ(f.dev.report_zones(kZone, ZoneFilter::kAll, {&d, 1}).count, 1u);
  EXPECT_EQ(d.wp, kZone);  // nothing was written
  // The count is used up: the rule disarms and stays listed.
  EXPECT_EQ(c.write(kZone, buf), S::kOk);
  const auto faults = f.dev.faults();
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0].hits, 2u);
  EXPECT_FALSE(faults[0].armed);
}

TEST(InstrumentedDeviceTest, ZoneManagementAndSelectAll) {
  Fixture f;
  SyncZoneClient c(f.dev);
  f.dev.add_fault({.sector = 4 * kZone, .sectors = kZone, .op = FaultOp::kZoneMgmt, .status = S::kZoneOffline});
  EXPECT_EQ(c.open(4 * kZone), S::kZoneOffline);
  EXPECT_EQ(c.open(5 * kZone), S::kOk);
  EXPECT_EQ(c.reset_all(), S::kZoneOffline);
  std::vector<uint8_t> buf(4096);
  EXPECT_EQ(c.read(4 * kZone, buf), S::kOk);  // zone-mgmt rules leave data alone
}

TEST(InstrumentedDeviceTest, ProbabilityAndDelay) {
  Fixture f;
  SyncZoneClient c(f.dev);
  f.dev.add_fault({.sector = 0, .sectors = 0, .op = FaultOp::kRead, .status = S::kIoError, .probability = 0.5});
  std::vector<uint8_t> buf(512);
  int failed = 0;
  for (int i = 0; i < 400; ++i) failed += c.read(0, buf) != S::kOk;
  EXPECT_GT(failed, 120);
  EXPECT_LT(failed, 280);
  f.dev.clear_faults();

  // A delay without an error: the read completes, late.
  f.dev.add_fault({.sector = kZone, .sectors = 8, .op = FaultOp::kRead, .status = S::kOk, .delay_ms = 100});
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(c.read(kZone, buf), S::kOk);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(100));
  t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(c.read(2 * kZone, buf), S::kOk);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(100));
  // A delayed error.
  f.dev.add_fault({.sector = 3 * kZone, .sectors = 8, .op = FaultOp::kWrite, .status = S::kIoError, .delay_ms = 50});
  t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(c.write(3 * kZone, buf), S::kIoError);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(50));
  EXPECT_EQ(f.dev.counters().injected_delays, 2u);
}

// The NVMe controller reset's power cycle reaches the engine through the decorator.
TEST(InstrumentedDeviceTest, ForwardsPowerCycle) {
  Fixture f;
  SyncZoneClient c(f.dev);
  ASSERT_EQ(c.open(2 * kZone), S::kOk);
  f.dev.power_cycle_zones();
  ZoneDescriptor d;
  ASSERT_EQ(f.dev.report_zones(2 * kZone, ZoneFilter::kAll, {&d, 1}).count, 1u);
  EXPECT_EQ(d.cond, ZoneCondition::kEmpty);
}

TEST(InstrumentedDeviceTest, RefusesBadRules) {
  Fixture f;
  EXPECT_THROW(f.dev.add_fault({.sector = 8 * kZone}), std::invalid_argument);
  EXPECT_THROW(f.dev.add_fault({.sector = 7 * kZone, .sectors = kZone + 1}), std::invalid_argument);
  EXPECT_THROW(f.dev.add_fault({.probability = 0}), std::invalid_argument);
  EXPECT_THROW(f.dev.add_fault({.status = S::kOk}), std::invalid_argument);
}

}  // namespace
}  // namespace zvmm::zoned

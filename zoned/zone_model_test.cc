// Randomized model-based test: a small independent reference model of the spec
// (zoned/testing/zone_ref_model.h, shared with zone_engine_fuzz) against the engine, over many thousands of mixed operations with limits,
// host-aware random writes and READONLY/OFFLINE faults. Fixed seeds; the seed
// and op number are printed on failure.
#include <gtest/gtest.h>

#include <random>

#include "zoned/test_support.h"
#include "zoned/testing/zone_ref_model.h"

namespace zvmm::zoned {
namespace {

using C = ZoneCondition;
using S = ZoneStatus;

using namespace ref_model;

struct ModelParam {
  bool host_aware;
  uint32_t lba_bytes;
  uint32_t max_open, max_active;
  uint32_t seed;
};

class ZoneModelTest : public ::testing::TestWithParam<ModelParam> {};

TEST_P(ZoneModelTest, EngineMatchesReferenceModel) {
  const ModelParam p = GetParam();
  ZoneGeometryConfig cfg;
  cfg.device_bytes = kZones * kZoneSec * 512;
  cfg.zone_size_bytes = kZoneSec * 512;
  cfg.zone_capacity_bytes = kCapSec * 512;
  cfg.nr_conventional = kConv;
  cfg.max_open = p.max_open;
  cfg.max_active = p.max_active;
  cfg.max_append_bytes = 16 * 512;
  cfg.logical_block_size = p.lba_bytes;
  cfg.model = p.host_aware ? ZonedModel::kHostAware : ZonedModel::kHostManaged;
  testing::EngineFixture f(cfg, "model.img");
  auto c = f.client();
  const uint32_t lba = p.lba_bytes / 512;
  RefDevice ref{p.host_aware, p.max_open, p.max_active, lba, 16};
  std::mt19937 rng(p.seed);
  auto rnd = [&](uint64_t n) { return rng() % n; };
  constexpr int kOps = 6000;
  int ok_writes = 0;
  for (int op = 0; op < kOps; ++op) {
    SCOPED_TRACE("seed " + std::to_string(p.seed) + ", op " + std::to_string(op));
    const uint32_t zi = static_cast<uint32_t>(rnd(kZones));
    const uint64_t zstart = zi * kZoneSec;
    const uint32_t salt = static_cast<uint32_t>(op + 1);
    const uint32_t kind = static_cast<uint32_t>(rnd(100));
    std::string what;
    if (kind < 45) {  // write: usually at the wp, sometimes random
      uint64_t n = lba * (1 + rnd(16 / lba + 1));
      uint64_t sector = ref.z[zi].wp + zstart;
      if (rnd(4) == 0 || zi < kConv) sector = zstart + rnd(kZoneSec);
      if (rnd(50) == 0) sector = kZones * kZoneSec - 1;  // out of range
      if (rnd(3)) sector -= sector % lba;               // mostly aligned
      what = "write " + std::to_string(sector) + "+" + std::to_string(n);
      uint64_t assigned = 0;
      S expected = ref.write(sector, n, salt, false, &assigned);
      auto data = testing::pattern(sector, n * 512, salt);
      ASSERT_EQ(c.write(sector, data), expected) << what;
      ok_writes += expected == S::kOk;
    } else if (kind < 60) {
      uint64_t n = lba * (1 + rnd(20 / lba + 1));
      uint64_t sector = rnd(10) == 0 ? zstart + lba : zstart;
      what = "append " + std::to_string(sector) + "+" + std::to_string(n);
      uint64_t assigned = 0;
      S expected = ref.write(sector, n, salt, true, &assigned);
      auto data = testing::pattern(expected == S::kOk ? assigned : 0, n * 512, salt);
      AppendResult r = c.append(sector, data);
      ASSERT_EQ(r.status, expected) << what;
      if (expected == S::kOk) {
        ASSERT_EQ(r.sector, assigned) << what;
        ++ok_writes;
      }
    } else if (kind < 88) {
      static constexpr ZoneOp kOpsList[] = {ZoneOp::kOpen, ZoneOp::kClose, ZoneOp::kFinish, ZoneOp::kReset};
      ZoneOp zop = kOpsList[rnd(4)];
      uint64_t sector = rnd(20) == 0 ? zstart + lba : zstart;
      what = std::string(to_string(zop)) + " " + std::to_string(sector);
      ASSERT_EQ(c.zone_op(zop, sector), ref.zone_op(zop, sector)) << what;
    } else if (kind < 89) {
      what = "reset-all";
      ref.reset_all();
      ASSERT_EQ(c.reset_all(), S::kOk);
    } else if (kind < 90) {
      uint32_t faulty = 0;
      for (auto& z : ref.z) faulty += z.cond == C::kReadOnly || z.cond == C::kOffline;
      if (faulty >= 2 && ref.z[zi].cond != C::kReadOnly) continue;  // keep most zones usable
      C cond = rnd(2) ? C::kReadOnly : C::kOffline;
      what = "inject " + std::string(to_string(cond)) + " zone " + std::to_string(zi);
      ASSERT_EQ(f.engine->inject_condition(zstart, cond), ref.inject(zi, cond)) << what;
    } else {  // read a random range and compare data
      uint64_t sector = rnd(kZones * kZoneSec);
      sector -= sector % lba;
      uint64_t n = std::min<uint64_t>(lba * (1 + rnd(64 / lba)), kZones * kZoneSec - sector);
      what = "read " + std::to_string(sector) + "+" + std::to_string(n);
      std::vector<uint8_t> buf(n * 512, 0xAA);
      bool offline = false;
      for (uint64_t s = sector; s < sector + n; s += kZoneSec - s % kZoneSec) {
        offline |= ref.z[s / kZoneSec].cond == C::kOffline && s / kZoneSec >= kConv;
      }
      S st = c.read(sector, buf);
      ASSERT_EQ(st, offline ? S::kZoneOffline : S::kOk) << what;
      if (st != S::kOk) continue;
      for (uint64_t s = sector; s < sector + n; ++s) {
        uint32_t zone = static_cast<uint32_t>(s / kZoneSec);
        uint32_t expect = s % kZoneSec < ref.visible(zone) ? ref.data[s] : 0;
        std::span<const uint8_t> got(buf.data() + (s - sector) * 512, 512);
        if (expect) {
          ASSERT_EQ(testing::first_mismatch(got, s, expect), -1) << what << " sector " << s;
        } else {
          ASSERT_TRUE(std::all_of(got.begin(), got.end(), [](uint8_t b) { return b == 0; })) << what << " sector " << s;
        }
      }
    }
    // Full state comparison after every operation.
    for (uint32_t i = kConv; i < kZones; ++i) {
      ZoneDescriptor d = f.engine->zone(i);
      ASSERT_EQ(d.cond, ref.z[i].cond) << "zone " << i << " after " << what;
      if (d.cond != C::kFull && d.cond != C::kOffline && d.cond != C::kReadOnly) {
        ASSERT_EQ(d.wp, i * kZoneSec + ref.z[i].wp) << "zone " << i << " after " << what;
      }
      ASSERT_EQ(d.non_seq, ref.z[i].non_seq) << "zone " << i << " after " << what;
    }
    auto counts = f.engine->resource_counts();
    ASSERT_EQ(counts.open, ref.count(is_open)) << what;
    ASSERT_EQ(counts.active, ref.count(is_active)) << what;
  }
  EXPECT_GT(ok_writes, kOps / 10) << "seed " << p.seed << ": too few successful writes to be meaningful";
}

// Faults are permanent, so at most two zones are made READONLY/OFFLINE per run
// (plus READONLY -> OFFLINE) to keep the rest usable.
INSTANTIATE_TEST_SUITE_P(
    Seeds, ZoneModelTest,
    ::testing::Values(ModelParam{false, 512, 0, 0, 1}, ModelParam{false, 512, 3, 5, 2},
                      ModelParam{false, 4096, 2, 4, 3}, ModelParam{false, 512, 4, 4, 4},
                      ModelParam{true, 512, 0, 0, 5}, ModelParam{true, 512, 3, 5, 6},
                      ModelParam{true, 4096, 2, 3, 7}, ModelParam{false, 512, 1, 0, 8}),
    [](const auto& info) {
      const ModelParam& p = info.param;
      return std::string(p.host_aware ? "HA" : "HM") + "_lba" + std::to_string(p.lba_bytes) + "_open" +
             std::to_string(p.max_open) + "_active" + std::to_string(p.max_active) + "_seed" + std::to_string(p.seed);
    });

}  // namespace
}  // namespace zvmm::zoned

// Threads append to the same zones while other threads finish/reset/write other
// zones. Checks: append ranges are disjoint and cover each zone with no hole,
// data matches its writer, counters match the zone conditions. Run under
// --config=tsan too. 3 shared + 3 churned zones fit max_open 6, so appends never
// hit a resource limit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <map>
#include <random>
#include <thread>

#include "zoned/sync_zone_client.h"
#include "zoned/test_support.h"

namespace zvmm::zoned {
namespace {

using S = ZoneStatus;

constexpr uint64_t kZoneSectors = 2048;  // 1 MiB zones
constexpr uint64_t kCapSectors = 1536;
constexpr size_t kAppendBytes = 4096;

ZoneGeometryConfig config() {
  ZoneGeometryConfig c;
  c.device_bytes = 16ull << 20;
  c.zone_size_bytes = kZoneSectors * 512;
  c.zone_capacity_bytes = kCapSectors * 512;
  c.nr_conventional = 1;
  c.max_open = 6;
  c.max_active = 8;
  return c;
}

struct Appended {
  uint64_t sector;
  uint32_t writer;
  uint32_t seq;
};

std::vector<uint8_t> tagged(uint32_t writer, uint32_t seq) {
  std::vector<uint8_t> b(kAppendBytes, static_cast<uint8_t>(writer + 1));
  std::memcpy(b.data(), &seq, 4);
  return b;
}

// Keeps up to `depth` appends in flight to the zones until all are full.
std::vector<Appended> append_until_full(ZoneEngine& engine, block::BlockBackend& file,
                                        uint32_t writer, std::vector<uint64_t> zones, int depth) {
  auto q = engine.open_queue(static_cast<unsigned>(depth));
  std::vector<Appended> done;
  std::deque<testing::Buffer> buffers;  // stable addresses
  std::mt19937 rng(writer);
  int in_flight = 0;
  uint32_t seq = 0;
  std::vector<bool> full(zones.size(), false);
  auto all_full = [&] { return std::all_of(full.begin(), full.end(), [](bool f) { return f; }); };
  while (!all_full() || in_flight > 0) {
    while (!all_full() && in_flight < depth) {
      size_t i = rng() % zones.size();
      if (full[i]) continue;
      buffers.emplace_back(tagged(writer, seq));
      ++in_flight;
      q->append(zones[i], buffers.back().segments(), [&, i, s = seq](S st, uint64_t sector) {
        --in_flight;
        if (st == S::kOk) {
          done.push_back({sector, writer, s});
        } else {
          EXPECT_TRUE(st == S::kZoneFull || st == S::kBoundaryError) << to_string(st);
          full[i] = true;
        }
      });
      ++seq;
    }
    q->wait();
  }
  return done;
}

void churn_other_zones(ZoneEngine& engine, block::BlockBackend& file, uint32_t seed,
                       const std::atomic<bool>& stop, std::vector<uint32_t> zones) {
  SyncZoneClient c(engine, 4);
  std::mt19937 rng(seed);
  auto data = testing::pattern(0, 8192);
  while (!stop.load()) {
    uint32_t z = zones[rng() % zones.size()];
    uint64_t start = z * kZoneSectors;
    S st{};
    switch (rng() % 5) {
      case 0: st = c.finish(start); break;
      case 1: st = c.reset(start); break;
      case 2: st = c.open(start); break;
      case 3: st = c.close(start); break;
      default: st = c.write(engine.zone(z).wp, data); break;
    }
    ASSERT_NE(st, S::kIoError);
  }
}

TEST(ZoneConcurrency, ConcurrentAppendsAreDisjointWithoutHoles) {
  testing::EngineFixture f(config(), "concurrency.img");
  const std::vector<uint64_t> shared = {2 * kZoneSectors, 3 * kZoneSectors, 4 * kZoneSectors};
  constexpr int kWriters = 4;
  for (int round = 0; round < 3; ++round) {
    std::atomic<bool> stop{false};
    std::vector<std::thread> churners;
    for (uint32_t t = 0; t < 2; ++t) {
      churners.emplace_back([&, t] { churn_other_zones(*f.engine, *f.file, 100 + t + round, stop, {8, 9, 10}); });
    }
    std::vector<std::vector<Appended>> results(kWriters);
    std::vector<std::thread> writers;
    for (uint32_t w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w] { results[w] = append_until_full(*f.engine, *f.file, w, shared, 8); });
    }
    for (auto& t : writers) t.join();
    stop = true;
    for (auto& t : churners) t.join();

    std::map<uint64_t, Appended> by_sector;
    for (auto& r : results) {
      for (auto& a : r) ASSERT_TRUE(by_sector.emplace(a.sector, a).second) << "sector " << a.sector << " assigned twice";
    }
    SyncZoneClient c(*f.engine, 4);
    for (uint64_t zone_start : shared) {
      // Ranges tile [start, start + capacity) exactly: disjoint, no hole.
      uint64_t expect = zone_start;
      for (auto it = by_sector.lower_bound(zone_start); it != by_sector.end() && it->first < zone_start + kZoneSectors; ++it) {
        ASSERT_EQ(it->first, expect) << "hole or overlap in zone at " << zone_start;
        std::vector<uint8_t> buf(kAppendBytes);
        ASSERT_EQ(c.read(it->first, buf), S::kOk);
        ASSERT_EQ(buf, tagged(it->second.writer, it->second.seq)) << "data at " << it->first;
        expect += kAppendBytes / 512;
      }
      EXPECT_EQ(expect, zone_start + kCapSectors);
      auto d = f.engine->zone(static_cast<uint32_t>(zone_start / kZoneSectors));
      EXPECT_EQ(d.cond, ZoneCondition::kFull);
    }
    // Counters agree with the conditions.
    std::vector<ZoneDescriptor> zones(16);
    ASSERT_EQ(f.engine->report_zones(0, ZoneFilter::kAll, zones).count, 16u);
    uint32_t open = 0, active = 0;
    for (auto& d : zones) open += is_open(d.cond), active += is_active(d.cond);
    auto counts = f.engine->resource_counts();
    EXPECT_EQ(counts.open, open);
    EXPECT_EQ(counts.active, active);
    EXPECT_LE(open, 6u);
    EXPECT_LE(active, 8u);
    for (uint64_t s : shared) ASSERT_EQ(c.reset(s), S::kOk);
  }
}

// Issue 9: writers on several queues, each keeping several writes in flight, over
// more zones than max-open, while readers take the zone locks and one thread
// keeps at most max-open - 1 zones explicitly open. An IMP_OPEN zone can always
// be closed (writes in flight or a busy lock do not protect it), so no write
// and no explicit open may fail with a resource error. Data is checked after.
TEST(ZoneConcurrency, WritersOverMoreZonesThanMaxOpenNeverHitTheOpenLimit) {
  ZoneGeometryConfig cfg;
  cfg.device_bytes = 32 * kZoneSectors * 512;
  cfg.zone_size_bytes = kZoneSectors * 512;
  cfg.zone_capacity_bytes = kCapSectors * 512;
  cfg.nr_conventional = 1;
  cfg.max_open = 3;
  testing::EngineFixture f(cfg, "many_writers.img");
  constexpr uint32_t kWriters = 3, kZonesPerWriter = 6, kDepth = 4;
  constexpr size_t kBytes = 8192;
  const uint32_t kOpenZones[] = {30, 31};  // max_open - 1, opened and closed by one thread
  std::atomic<bool> stop{false};
  std::atomic<uint32_t> resource_errors{0};
  std::vector<std::thread> others;
  for (uint32_t r = 0; r < 2; ++r) {
    others.emplace_back([&, r] {  // readers of the writers' zones: hold zone locks often
      SyncZoneClient c(*f.engine, 4);
      std::vector<uint8_t> buf(4096);
      std::mt19937 rng(r);
      while (!stop.load()) ASSERT_EQ(c.read((1 + rng() % (kWriters * kZonesPerWriter)) * kZoneSectors, buf), S::kOk);
    });
  }
  others.emplace_back([&] {
    SyncZoneClient c(*f.engine, 4);
    std::mt19937 rng(7);
    while (!stop.load()) {
      const uint64_t z = kOpenZones[rng() % 2] * kZoneSectors;
      const S st = rng() % 2 ? c.open(z) : c.close(z);
      if (st == S::kOpenResource || st == S::kActiveResource) ++resource_errors;
      ASSERT_TRUE(st == S::kOk || st == S::kInvalidTransition || st == S::kOpenResource) << to_string(st);
    }
  });
  std::vector<std::thread> writers;
  for (uint32_t w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      auto q = f.engine->open_queue(kDepth * 2);
      std::mt19937 rng(100 + w);
      std::vector<uint64_t> next(kZonesPerWriter);  // next sector to write per zone
      for (uint32_t i = 0; i < kZonesPerWriter; ++i) next[i] = (1 + w * kZonesPerWriter + i) * kZoneSectors;
      std::deque<testing::Buffer> bufs;
      uint32_t in_flight = 0, full = 0;
      std::vector<bool> is_full(kZonesPerWriter, false);
      while (full < kZonesPerWriter || in_flight > 0) {
        while (full < kZonesPerWriter && in_flight < kDepth) {
          const uint32_t i = static_cast<uint32_t>(rng() % kZonesPerWriter);
          if (is_full[i]) continue;
          const uint64_t sector = next[i];
          next[i] += kBytes / 512;
          if (next[i] % kZoneSectors == kCapSectors) is_full[i] = true, ++full;
          bufs.emplace_back(testing::pattern(sector, kBytes, w + 1));
          ++in_flight;
          q->write(sector, bufs.back().segments(), [&, sector](S st, uint64_t) {
            --in_flight;
            if (st == S::kOpenResource || st == S::kActiveResource) ++resource_errors;
            EXPECT_EQ(st, S::kOk) << "write at " << sector;
          });
        }
        q->wait();
      }
    });
  }
  for (auto& t : writers) t.join();
  stop = true;
  for (auto& t : others) t.join();
  EXPECT_EQ(resource_errors.load(), 0u);
  SyncZoneClient c(*f.engine, 4);
  std::vector<uint8_t> buf(kCapSectors * 512);
  for (uint32_t w = 0; w < kWriters; ++w) {
    for (uint32_t i = 0; i < kZonesPerWriter; ++i) {
      const uint32_t z = 1 + w * kZonesPerWriter + i;
      EXPECT_EQ(f.engine->zone(z).cond, ZoneCondition::kFull) << "zone " << z;
      ASSERT_EQ(c.read(z * kZoneSectors, buf), S::kOk);
      EXPECT_EQ(testing::first_mismatch(buf, z * kZoneSectors, w + 1), -1) << "zone " << z;
    }
  }
  auto counts = f.engine->resource_counts();
  std::vector<ZoneDescriptor> zones(32);
  ASSERT_EQ(f.engine->report_zones(0, ZoneFilter::kAll, zones).count, 32u);
  uint32_t open = 0, active = 0;
  for (auto& d : zones) open += is_open(d.cond), active += is_active(d.cond);
  EXPECT_EQ(counts.open, open);
  EXPECT_EQ(counts.active, active);
}

}  // namespace
}  // namespace zvmm::zoned

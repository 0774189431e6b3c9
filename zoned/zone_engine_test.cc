// Table-driven tests of every transition and error of the zone state table
// (docs/zoned-model.md), plus reads above the wp, append, report and faults.
#include "zoned/zone_engine.h"

#include <gtest/gtest.h>

#include <deque>

#include "block/null_backend.h"
#include "block/sync_queue.h"
#include "zoned/test_support.h"

namespace zvmm::zoned {
namespace {

using C = ZoneCondition;
using S = ZoneStatus;
using testing::EngineFixture;
using testing::pattern;

// 16 zones of 64 KiB (128 sectors), capacity 48 KiB (96 sectors), 2 conventional.
ZoneGeometryConfig small_config() {
  ZoneGeometryConfig c;
  c.device_bytes = 16 * 64 * 1024;
  c.zone_size_bytes = 64 * 1024;
  c.zone_capacity_bytes = 48 * 1024;
  c.nr_conventional = 2;
  c.max_append_bytes = 16 * 1024;
  return c;
}

constexpr uint64_t kZone = 128;  // sectors
constexpr uint64_t kCap = 96;
uint64_t zs(uint32_t z) { return z * kZone; }

// An engine over a file whose writes can be made to fail (FaultyBackend).
struct FaultyEngine {
  FaultyEngine(const ZoneGeometryConfig& cfg, const std::string& name)
      : geometry(ZoneGeometry::from_config(cfg)),
        file(block::FileBackend::create(testing::temp_path(name), cfg.device_bytes)),
        faulty(*file),
        store(geometry.nr_zones()),
        engine(geometry, faulty, 0, store) {}
  ZoneGeometry geometry;
  std::unique_ptr<block::FileBackend> file;
  testing::FaultyBackend faulty;
  VolatileZoneStateStore store;
  ZoneEngine engine;
};

enum class Start { kEmpty, kImpOpen, kExpOpenEmpty, kExpOpenWritten, kClosed, kFull, kReadOnly, kOffline };
enum class Action { kWrite, kAppend, kOpen, kClose, kFinish, kReset };

const char* name(Start s) {
  static const char* n[] = {"EMPTY", "IMP_OPEN", "EXP_OPEN(wp=start)", "EXP_OPEN(written)",
                            "CLOSED", "FULL", "READONLY", "OFFLINE"};
  return n[static_cast<int>(s)];
}
const char* name(Action a) {
  static const char* n[] = {"write", "append", "open", "close", "finish", "reset"};
  return n[static_cast<int>(a)];
}

void bring_to(SyncZoneClient& c, ZoneEngine& e, uint64_t z, Start s) {
  auto data = pattern(z, 4096);
  switch (s) {
    case Start::kEmpty: break;
    case Start::kImpOpen: ASSERT_EQ(c.write(z, data), S::kOk); break;
    case Start::kExpOpenEmpty: ASSERT_EQ(c.open(z), S::kOk); break;
    case Start::kExpOpenWritten:
      ASSERT_EQ(c.open(z), S::kOk);
      ASSERT_EQ(c.write(z, data), S::kOk);
      break;
    case Start::kClosed:
      ASSERT_EQ(c.write(z, data), S::kOk);
      ASSERT_EQ(c.close(z), S::kOk);
      break;
    case Start::kFull: ASSERT_EQ(c.finish(z), S::kOk); break;
    case Start::kReadOnly: ASSERT_EQ(e.inject_condition(z, C::kReadOnly), S::kOk); break;
    case Start::kOffline: ASSERT_EQ(e.inject_condition(z, C::kOffline), S::kOk); break;
  }
}

struct TransitionCase {
  Start from;
  Action action;
  S status;
  C to;
  uint32_t open, active;
};

class TransitionTest : public ::testing::TestWithParam<TransitionCase> {};

TEST_P(TransitionTest, FollowsStateTable) {
  const TransitionCase& tc = GetParam();
  EngineFixture f(small_config());
  auto c = f.client();
  const uint64_t z = zs(5);
  bring_to(c, *f.engine, z, tc.from);
  auto data = pattern(z, 4096);
  const uint64_t wp_before = f.engine->zone(5).wp;
  S st{};
  switch (tc.action) {
    case Action::kWrite: {
      const bool has_data = tc.from == Start::kImpOpen || tc.from == Start::kExpOpenWritten ||
                            tc.from == Start::kClosed;
      st = c.write(has_data ? wp_before : z, data);
      break;
    }
    case Action::kAppend: st = c.append(z, data).status; break;
    case Action::kOpen: st = c.open(z); break;
    case Action::kClose: st = c.close(z); break;
    case Action::kFinish: st = c.finish(z); break;
    case Action::kReset: st = c.reset(z); break;
  }
  EXPECT_EQ(st, tc.status) << name(tc.from) << " + " << name(tc.action) << ": " << to_string(st);
  ZoneDescriptor d = f.engine->zone(5);
  EXPECT_EQ(d.cond, tc.to) << name(tc.from) << " + " << name(tc.action) << " -> " << to_string(d.cond);
  auto counts = f.engine->resource_counts();
  EXPECT_EQ(counts.open, tc.open) << name(tc.from) << " + " << name(tc.action);
  EXPECT_EQ(counts.active, tc.active) << name(tc.from) << " + " << name(tc.action);
  if (tc.to == C::kEmpty) {
    EXPECT_EQ(d.wp, z);
  }
  if (tc.to == C::kFull) {
    EXPECT_EQ(d.wp, z + kCap);  // where writing ended; front ends show start + len
  }
}

// clang-format off
INSTANTIATE_TEST_SUITE_P(StateTable, TransitionTest, ::testing::Values(
    // write / append
    TransitionCase{Start::kEmpty, Action::kWrite, S::kOk, C::kImplicitOpen, 1, 1},
    TransitionCase{Start::kImpOpen, Action::kWrite, S::kOk, C::kImplicitOpen, 1, 1},
    TransitionCase{Start::kExpOpenEmpty, Action::kWrite, S::kOk, C::kExplicitOpen, 1, 1},
    TransitionCase{Start::kExpOpenWritten, Action::kWrite, S::kOk, C::kExplicitOpen, 1, 1},
    TransitionCase{Start::kClosed, Action::kWrite, S::kOk, C::kImplicitOpen, 1, 1},
    TransitionCase{Start::kFull, Action::kWrite, S::kZoneFull, C::kFull, 0, 0},
    TransitionCase{Start::kReadOnly, Action::kWrite, S::kZoneReadOnly, C::kReadOnly, 0, 0},
    TransitionCase{Start::kOffline, Action::kWrite, S::kZoneOffline, C::kOffline, 0, 0},
    TransitionCase{Start::kEmpty, Action::kAppend, S::kOk, C::kImplicitOpen, 1, 1},
    TransitionCase{Start::kImpOpen, Action::kAppend, S::kOk, C::kImplicitOpen, 1, 1},
    TransitionCase{Start::kExpOpenWritten, Action::kAppend, S::kOk, C::kExplicitOpen, 1, 1},
    TransitionCase{Start::kClosed, Action::kAppend, S::kOk, C::kImplicitOpen, 1, 1},
    TransitionCase{Start::kFull, Action::kAppend, S::kZoneFull, C::kFull, 0, 0},
    TransitionCase{Start::kReadOnly, Action::kAppend, S::kZoneReadOnly, C::kReadOnly, 0, 0},
    TransitionCase{Start::kOffline, Action::kAppend, S::kZoneOffline, C::kOffline, 0, 0},
    // open
    TransitionCase{Start::kEmpty, Action::kOpen, S::kOk, C::kExplicitOpen, 1, 1},
    TransitionCase{Start::kImpOpen, Action::kOpen, S::kOk, C::kExplicitOpen, 1, 1},
    TransitionCase{Start::kExpOpenWritten, Action::kOpen, S::kOk, C::kExplicitOpen, 1, 1},
    TransitionCase{Start::kClosed, Action::kOpen, S::kOk, C::kExplicitOpen, 1, 1},
    TransitionCase{Start::kFull, Action::kOpen, S::kInvalidTransition, C::kFull, 0, 0},
    TransitionCase{Start::kReadOnly, Action::kOpen, S::kInvalidTransition, C::kReadOnly, 0, 0},
    TransitionCase{Start::kOffline, Action::kOpen, S::kInvalidTransition, C::kOffline, 0, 0},
    // close
    TransitionCase{Start::kEmpty, Action::kClose, S::kInvalidTransition, C::kEmpty, 0, 0},
    TransitionCase{Start::kImpOpen, Action::kClose, S::kOk, C::kClosed, 0, 1},
    TransitionCase{Start::kExpOpenEmpty, Action::kClose, S::kOk, C::kEmpty, 0, 0},
    TransitionCase{Start::kExpOpenWritten, Action::kClose, S::kOk, C::kClosed, 0, 1},
    TransitionCase{Start::kClosed, Action::kClose, S::kOk, C::kClosed, 0, 1},
    TransitionCase{Start::kFull, Action::kClose, S::kInvalidTransition, C::kFull, 0, 0},
    TransitionCase{Start::kReadOnly, Action::kClose, S::kInvalidTransition, C::kReadOnly, 0, 0},
    TransitionCase{Start::kOffline, Action::kClose, S::kInvalidTransition, C::kOffline, 0, 0},
    // finish
    TransitionCase{Start::kEmpty, Action::kFinish, S::kOk, C::kFull, 0, 0},
    TransitionCase{Start::kImpOpen, Action::kFinish, S::kOk, C::kFull, 0, 0},
    TransitionCase{Start::kExpOpenEmpty, Action::kFinish, S::kOk, C::kFull, 0, 0},
    TransitionCase{Start::kExpOpenWritten, Action::kFinish, S::kOk, C::kFull, 0, 0},
    TransitionCase{Start::kClosed, Action::kFinish, S::kOk, C::kFull, 0, 0},
    TransitionCase{Start::kFull, Action::kFinish, S::kOk, C::kFull, 0, 0},
    TransitionCase{Start::kReadOnly, Action::kFinish, S::kInvalidTransition, C::kReadOnly, 0, 0},
    TransitionCase{Start::kOffline, Action::kFinish, S::kInvalidTransition, C::kOffline, 0, 0},
    // reset
    TransitionCase{Start::kEmpty, Action::kReset, S::kOk, C::kEmpty, 0, 0},
    TransitionCase{Start::kImpOpen, Action::kReset, S::kOk, C::kEmpty, 0, 0},
    TransitionCase{Start::kExpOpenEmpty, Action::kReset, S::kOk, C::kEmpty, 0, 0},
    TransitionCase{Start::kExpOpenWritten, Action::kReset, S::kOk, C::kEmpty, 0, 0},
    TransitionCase{Start::kClosed, Action::kReset, S::kOk, C::kEmpty, 0, 0},
    TransitionCase{Start::kFull, Action::kReset, S::kOk, C::kEmpty, 0, 0},
    TransitionCase{Start::kReadOnly, Action::kReset, S::kInvalidTransition, C::kReadOnly, 0, 0},
    TransitionCase{Start::kOffline, Action::kReset, S::kInvalidTransition, C::kOffline, 0, 0}));
// clang-format on

// ---- errors of the spec's error table ----

struct ErrorCase {
  const char* what;
  ZoneGeometryConfig config;
  std::function<S(SyncZoneClient&, ZoneEngine&)> run;
  S expected;
};

class ErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ErrorTest, ReturnsTypedStatus) {
  const ErrorCase& ec = GetParam();
  EngineFixture f(ec.config);
  auto c = f.client();
  EXPECT_EQ(ec.run(c, *f.engine), ec.expected) << ec.what;
}

ZoneGeometryConfig limits(uint32_t open, uint32_t active) {
  auto c = small_config();
  c.max_open = open;
  c.max_active = active;
  return c;
}

ZoneGeometryConfig host_aware() {
  auto c = small_config();
  c.model = ZonedModel::kHostAware;
  return c;
}

ZoneGeometryConfig block4k() {
  auto c = small_config();
  c.logical_block_size = 4096;
  return c;
}

const auto k4 = pattern(0, 4096);

INSTANTIATE_TEST_SUITE_P(
    ErrorTable, ErrorTest,
    ::testing::Values(
        ErrorCase{"SWR write not at wp", small_config(),
                  [](auto& c, auto&) { return c.write(zs(3) + 8, k4); }, S::kUnalignedWrite},
        ErrorCase{"SWR write behind wp", small_config(),
                  [](auto& c, auto&) {
                    c.write(zs(3), k4);
                    c.write(zs(3) + 8, k4);
                    return c.write(zs(3), k4);
                  },
                  S::kUnalignedWrite},
        ErrorCase{"write crossing capacity", small_config(),
                  [](auto& c, auto&) {
                    std::vector<uint8_t> big((kCap + 8) * 512);
                    return c.write(zs(3), big);
                  },
                  S::kBoundaryError},
        ErrorCase{"write crossing conventional into sequential", small_config(),
                  [](auto& c, auto&) { return c.write(zs(2) - 4, k4); }, S::kBoundaryError},
        ErrorCase{"append crossing capacity", small_config(),
                  [](auto& c, auto&) {
                    std::vector<uint8_t> big(16384);
                    for (int i = 0; i < 2; ++i) c.append(zs(3), big);
                    c.append(zs(3), std::span(big).first(8192));
                    return c.append(zs(3), big).status;
                  },
                  S::kBoundaryError},
        ErrorCase{"write past end of device", small_config(),
                  [](auto& c, auto&) { return c.write(zs(16) - 4, k4); }, S::kOutOfRange},
        ErrorCase{"read past end of device", small_config(),
                  [](auto& c, auto&) {
                    std::vector<uint8_t> buf(4096);
                    return c.read(zs(16), buf);
                  },
                  S::kOutOfRange},
        ErrorCase{"4K device: 512-byte aligned write", block4k(),
                  [](auto& c, auto&) { return c.write(zs(3) + 1, k4); }, S::kMisaligned},
        ErrorCase{"4K device: 512-byte long write", block4k(),
                  [](auto& c, auto&) { return c.write(zs(3), std::span(k4).first(512)); }, S::kMisaligned},
        ErrorCase{"append not at zone start", small_config(),
                  [](auto& c, auto&) { return c.append(zs(3) + 8, k4).status; }, S::kInvalidField},
        ErrorCase{"append to conventional zone", small_config(),
                  [](auto& c, auto&) { return c.append(zs(1), k4).status; }, S::kInvalidZoneOp},
        ErrorCase{"append to host-aware zone", host_aware(),
                  [](auto& c, auto&) { return c.append(zs(3), k4).status; }, S::kInvalidZoneOp},
        ErrorCase{"append larger than max append", small_config(),
                  [](auto& c, auto&) {
                    std::vector<uint8_t> big(16384 + 4096);
                    return c.append(zs(3), big).status;
                  },
                  S::kAppendTooLarge},
        ErrorCase{"zone op on conventional zone", small_config(),
                  [](auto& c, auto&) { return c.open(zs(0)); }, S::kInvalidZoneOp},
        ErrorCase{"zone op not at zone start", small_config(),
                  [](auto& c, auto&) { return c.reset(zs(3) + 8); }, S::kInvalidField},
        ErrorCase{"explicit open beyond max open", limits(2, 0),
                  [](auto& c, auto&) {
                    c.open(zs(3));
                    c.open(zs(4));
                    return c.open(zs(5));
                  },
                  S::kOpenResource},
        ErrorCase{"implicit open beyond max open, only EXP_OPEN zones", limits(1, 0),
                  [](auto& c, auto&) {
                    c.open(zs(3));
                    return c.write(zs(4), k4);
                  },
                  S::kOpenResource},
        ErrorCase{"open beyond max active", limits(0, 2),
                  [](auto& c, auto&) {
                    c.write(zs(3), k4);
                    c.close(zs(3));
                    c.open(zs(4));
                    return c.open(zs(5));
                  },
                  S::kActiveResource},
        ErrorCase{"both limits exceeded reports active", limits(2, 2),
                  [](auto& c, auto&) {
                    c.open(zs(3));
                    c.open(zs(4));
                    return c.write(zs(5), k4);
                  },
                  S::kActiveResource},
        ErrorCase{"auto-close blocked by active limit", limits(1, 1),
                  [](auto& c, auto&) {
                    c.write(zs(3), k4);
                    return c.write(zs(4), k4);
                  },
                  S::kActiveResource},
        ErrorCase{"write to read-only zone", small_config(),
                  [](auto& c, auto& e) {
                    e.inject_condition(zs(3), C::kReadOnly);
                    return c.write(zs(3), k4);
                  },
                  S::kZoneReadOnly},
        ErrorCase{"read of offline zone", small_config(),
                  [](auto& c, auto& e) {
                    e.inject_condition(zs(3), C::kOffline);
                    std::vector<uint8_t> buf(4096);
                    return c.read(zs(3), buf);
                  },
                  S::kZoneOffline},
        ErrorCase{"offline to read-only", small_config(),
                  [](auto&, auto& e) {
                    e.inject_condition(zs(3), C::kOffline);
                    return e.inject_condition(zs(3), C::kReadOnly);
                  },
                  S::kInvalidTransition},
        ErrorCase{"read-only to offline", small_config(),
                  [](auto&, auto& e) {
                    e.inject_condition(zs(3), C::kReadOnly);
                    return e.inject_condition(zs(3), C::kOffline);
                  },
                  S::kOk},
        ErrorCase{"inject on conventional zone", small_config(),
                  [](auto&, auto& e) { return e.inject_condition(zs(0), C::kReadOnly); },
                  S::kInvalidZoneOp}),
    [](const auto& info) {
      std::string n = info.param.what;
      for (char& ch : n) if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
      return n;
    });

// ---- behaviour ----

TEST(ZoneEngine, AutoClosesAnImplicitlyOpenZone) {
  EngineFixture f(limits(2, 0));
  auto c = f.client();
  ASSERT_EQ(c.write(zs(3), pattern(zs(3), 4096)), S::kOk);
  ASSERT_EQ(c.write(zs(4), k4), S::kOk);
  ASSERT_EQ(c.write(zs(5), k4), S::kOk);
  EXPECT_EQ(f.engine->zone(3).cond, C::kClosed);
  EXPECT_EQ(f.engine->zone(5).cond, C::kImplicitOpen);
  EXPECT_EQ(f.engine->resource_counts().open, 2u);
  EXPECT_EQ(f.engine->resource_counts().active, 3u);
  // An auto-closed zone keeps its data and can be written again at its wp.
  EXPECT_EQ(c.write(zs(3) + 8, pattern(zs(3) + 8, 4096)), S::kOk);
  std::vector<uint8_t> buf(8192);
  ASSERT_EQ(c.read(zs(3), buf), S::kOk);
  EXPECT_EQ(testing::first_mismatch(buf, zs(3)), -1);
}

// Issue 9: one batch of three writes to three empty zones with max-open 2 (as a
// virtio worker submits a whole ring before any completion). The first zone has
// a write in flight when the third needs its slot: it is closed anyway, and
// that write completes into the CLOSED zone.
TEST(ZoneEngine, AutoClosesAZoneWithAWriteInFlight) {
  EngineFixture f(limits(2, 0));
  auto q = f.queue(8);
  std::deque<testing::Buffer> bufs;
  for (uint32_t z : {4u, 5u, 6u}) bufs.emplace_back(pattern(zs(z), 4096));
  std::vector<S> st(3, S::kIoError);
  int done = 0;
  for (uint32_t i = 0; i < 3; ++i) {
    q->write(zs(4 + i), bufs[i].segments(), [&, i](S s, uint64_t) {
      st[i] = s;
      ++done;
    });
  }
  // Before any completion: zone 4 is closed with its write still in flight.
  EXPECT_EQ(f.engine->zone(4).cond, C::kClosed);
  EXPECT_EQ(f.engine->zone(4).wp, zs(4));
  EXPECT_EQ(f.engine->resource_counts().open, 2u);
  while (done < 3) q->wait();
  EXPECT_EQ(st, (std::vector<S>{S::kOk, S::kOk, S::kOk}));
  EXPECT_EQ(f.engine->zone(4).cond, C::kClosed);
  EXPECT_EQ(f.engine->zone(4).wp, zs(4) + 8);
  EXPECT_EQ(f.engine->zone(5).cond, C::kImplicitOpen);
  EXPECT_EQ(f.engine->zone(6).cond, C::kImplicitOpen);
  EXPECT_EQ(f.engine->resource_counts().open, 2u);
  EXPECT_EQ(f.engine->resource_counts().active, 3u);
  auto c = f.client();
  std::vector<uint8_t> buf(4096);
  for (uint32_t z : {4u, 5u, 6u}) {
    ASSERT_EQ(c.read(zs(z), buf), S::kOk);
    EXPECT_EQ(testing::first_mismatch(buf, zs(z)), -1) << "zone " << z;
  }
}

// A write that fills a zone closed over it makes the zone FULL (and frees its
// active slot).
TEST(ZoneEngine, WriteInFlightFillsAnAutoClosedZone) {
  EngineFixture f(limits(1, 2));
  auto q = f.queue(8);
  testing::Buffer fill(pattern(zs(3), kCap * 512)), small(pattern(zs(4), 4096));
  int done = 0;
  q->write(zs(3), fill.segments(), [&](S s, uint64_t) { EXPECT_EQ(s, S::kOk); ++done; });
  q->write(zs(4), small.segments(), [&](S s, uint64_t) { EXPECT_EQ(s, S::kOk); ++done; });
  EXPECT_EQ(f.engine->zone(3).cond, C::kClosed);
  while (done < 2) q->wait();
  EXPECT_EQ(f.engine->zone(3).cond, C::kFull);
  EXPECT_EQ(f.engine->resource_counts().open, 1u);
  EXPECT_EQ(f.engine->resource_counts().active, 1u);
}

// A zone closed over writes that all fail holds no data: it ends EMPTY, not CLOSED.
TEST(ZoneEngine, AutoClosedZoneWhoseWritesFailEndsEmpty) {
  FaultyEngine fe(limits(1, 0), "closed_failed.img");
  testing::FaultyBackend& faulty = fe.faulty;
  ZoneEngine& engine = fe.engine;
  auto q = engine.open_queue(8);
  faulty.fail_writes(zs(3) * 512, zs(4) * 512);
  testing::Buffer a(pattern(zs(3), 4096)), b(pattern(zs(4), 4096));
  std::vector<S> st;
  q->write(zs(3), a.segments(), [&](S s, uint64_t) { st.push_back(s); });
  q->write(zs(4), b.segments(), [&](S s, uint64_t) { st.push_back(s); });
  EXPECT_EQ(engine.zone(3).cond, C::kClosed);
  while (st.size() < 2) q->wait();
  EXPECT_EQ(st, (std::vector<S>{S::kIoError, S::kOk}));
  EXPECT_EQ(engine.zone(3).cond, C::kEmpty);
  EXPECT_EQ(engine.zone(3).wp, zs(3));
  EXPECT_EQ(engine.resource_counts().open, 1u);
  EXPECT_EQ(engine.resource_counts().active, 1u);
}

// At the active limit, an IMP_OPEN zone without data (its only write failed)
// is closed to EMPTY to make room, instead of an active-resource error.
TEST(ZoneEngine, ActiveLimitClosesAnImplicitlyOpenZoneWithoutData) {
  FaultyEngine fe(limits(2, 2), "active_empty.img");
  testing::FaultyBackend& faulty = fe.faulty;
  ZoneEngine& engine = fe.engine;
  SyncZoneClient c(engine, 8);
  faulty.fail_writes(zs(3) * 512, zs(4) * 512);
  EXPECT_EQ(c.write(zs(3), pattern(zs(3), 4096)), S::kIoError);
  faulty.fail_writes(0, 0);
  ASSERT_EQ(engine.zone(3).cond, C::kImplicitOpen);
  ASSERT_EQ(engine.zone(3).wp, zs(3));
  EXPECT_EQ(c.write(zs(4), pattern(zs(4), 4096)), S::kOk);
  EXPECT_EQ(c.write(zs(5), pattern(zs(5), 4096)), S::kOk);
  EXPECT_EQ(engine.zone(3).cond, C::kEmpty);
  EXPECT_EQ(engine.resource_counts().active, 2u);
  // Both remaining zones hold data: now the active limit is real.
  EXPECT_EQ(c.write(zs(6), pattern(zs(6), 4096)), S::kActiveResource);
  // Explicitly open zones are never auto-closed: an open error only when no
  // IMP_OPEN zone is left to close.
  EXPECT_EQ(c.close(zs(4)), S::kOk);
  EXPECT_EQ(c.open(zs(7)), S::kActiveResource);
  EXPECT_EQ(c.reset(zs(4)), S::kOk);
  EXPECT_EQ(c.open(zs(7)), S::kOk);
  EXPECT_EQ(c.open(zs(8)), S::kActiveResource);  // zone 5 holds data: it cannot give its slot
}

TEST(ZoneEngine, WriteFillingCapacityMakesZoneFullAndFreesResources) {
  EngineFixture f(limits(1, 1));
  auto c = f.client();
  auto data = pattern(zs(3), kCap * 512);
  ASSERT_EQ(c.write(zs(3), data), S::kOk);
  EXPECT_EQ(f.engine->zone(3).cond, C::kFull);
  EXPECT_EQ(f.engine->resource_counts().active, 0u);
  EXPECT_EQ(c.write(zs(4), k4), S::kOk);
}

TEST(ZoneEngine, AppendReturnsAssignedSectors) {
  EngineFixture f(small_config());
  auto c = f.client();
  for (int i = 0; i < 3; ++i) {
    auto r = c.append(zs(3), pattern(zs(3) + 8 * i, 4096));
    ASSERT_EQ(r.status, S::kOk);
    EXPECT_EQ(r.sector, zs(3) + 8 * i);
  }
  std::vector<uint8_t> buf(3 * 4096);
  ASSERT_EQ(c.read(zs(3), buf), S::kOk);
  EXPECT_EQ(testing::first_mismatch(buf, zs(3)), -1);
  EXPECT_EQ(f.engine->zone(3).wp, zs(3) + 24);
}

TEST(ZoneEngine, ReadsAboveWritePointerReturnZeros) {
  EngineFixture f(small_config());
  auto c = f.client();
  ASSERT_EQ(c.write(zs(3), pattern(zs(3), 4096)), S::kOk);
  std::vector<uint8_t> buf(kZone * 2 * 512, 0xAA);  // zones 3 and 4
  ASSERT_EQ(c.read(zs(3), buf), S::kOk);
  EXPECT_EQ(testing::first_mismatch(std::span(buf).first(4096), zs(3)), -1);
  for (size_t i = 4096; i < buf.size(); ++i) ASSERT_EQ(buf[i], 0) << "byte " << i;
}

TEST(ZoneEngine, ResetMakesOldDataUnreadable) {
  EngineFixture f(small_config());
  auto c = f.client();
  auto data = pattern(zs(3), 32 * 512);
  ASSERT_EQ(c.write(zs(3), data), S::kOk);
  ASSERT_EQ(c.reset(zs(3)), S::kOk);
  ASSERT_EQ(c.write(zs(3), std::span(k4).first(512)), S::kOk);
  std::vector<uint8_t> buf(32 * 512, 0xAA);
  ASSERT_EQ(c.read(zs(3), buf), S::kOk);
  for (size_t i = 512; i < buf.size(); ++i) ASSERT_EQ(buf[i], 0) << "byte " << i;
  // The backing file no longer holds it either (hole punched).
  std::vector<uint8_t> raw(4096);
  ASSERT_EQ(f.file->read((zs(3) + 8) * 512, raw), 4096);
  for (uint8_t b : raw) ASSERT_EQ(b, 0);
}

TEST(ZoneEngine, ResetOnAMemoryBackedImageKeepsTheBlocksButNeverShowsTheirData) {
  auto cfg = small_config();
  auto geometry = ZoneGeometry::from_config(cfg);
  auto file = block::FileBackend::create(testing::temp_path("memory.img"), cfg.device_bytes);
  testing::FaultyBackend tmpfs_like(*file);
  tmpfs_like.set_memory_backed(true);
  VolatileZoneStateStore store(geometry.nr_zones());
  ZoneEngine engine(geometry, tmpfs_like, 0, store);
  SyncZoneClient c(engine, 8);
  const auto old_data = pattern(zs(3), 32 * 512, 1);
  ASSERT_EQ(c.write(zs(3), old_data), S::kOk);
  ASSERT_EQ(c.reset(zs(3)), S::kOk);
  // The blocks were not punched (the next writes reuse them)...
  std::vector<uint8_t> raw(old_data.size());
  ASSERT_EQ(file->read(zs(3) * 512, raw), static_cast<int64_t>(raw.size()));
  EXPECT_EQ(raw, old_data);
  // ...but nothing of the old generation is readable: not above the new wp,
  auto fresh = pattern(zs(3), 512, 2);
  ASSERT_EQ(c.write(zs(3), fresh), S::kOk);
  std::vector<uint8_t> buf(kCap * 512, 0xAA);
  ASSERT_EQ(c.read(zs(3), buf), S::kOk);
  EXPECT_EQ(testing::first_mismatch(std::span(buf).first(512), zs(3), 2), -1);
  for (size_t i = 512; i < buf.size(); ++i) ASSERT_EQ(buf[i], 0) << "byte " << i;
  // not after FINISH moves the wp to the capacity,
  ASSERT_EQ(c.finish(zs(3)), S::kOk);
  std::fill(buf.begin(), buf.end(), 0xAA);
  ASSERT_EQ(c.read(zs(3), buf), S::kOk);
  EXPECT_EQ(testing::first_mismatch(std::span(buf).first(512), zs(3), 2), -1);
  for (size_t i = 512; i < buf.size(); ++i) ASSERT_EQ(buf[i], 0) << "byte " << i;
}

// Requests of several segments behave as one buffer would, segment by segment.
TEST(ZoneEngine, ScatterGatherWriteAppendAndRead) {
  EngineFixture f(small_config());
  auto q = f.queue(8);
  auto wait = [&](auto& done) {
    while (!done) q->wait();
  };
  // A write to zone 3 in three segments of unequal size.
  const auto data = pattern(zs(3), 8 * 512);
  std::vector<uint8_t> a(data.begin(), data.begin() + 512), b(data.begin() + 512, data.begin() + 3072),
      c(data.begin() + 3072, data.end());
  const std::vector<iovec> wv{{a.data(), a.size()}, {b.data(), b.size()}, {c.data(), c.size()}};
  bool done = false;
  S st = S::kIoError;
  q->write(zs(3), wv, [&](S s, uint64_t) { st = s, done = true; });
  wait(done);
  ASSERT_EQ(st, S::kOk);
  EXPECT_EQ(f.engine->zone(3).wp, zs(3) + 8);
  // An append in two segments lands at the wp and reports it.
  const auto more = pattern(zs(3) + 8, 2 * 512);
  std::vector<uint8_t> m0(more.begin(), more.begin() + 512), m1(more.begin() + 512, more.end());
  const std::vector<iovec> av{{m0.data(), m0.size()}, {m1.data(), m1.size()}};
  done = false;
  uint64_t at = 0;
  q->append(zs(3), av, [&](S s, uint64_t sector) { st = s, at = sector, done = true; });
  wait(done);
  ASSERT_EQ(st, S::kOk);
  EXPECT_EQ(at, zs(3) + 8);
  // Read the end of conventional zone 1 through zone 3's wp and beyond, split
  // into segments that straddle the extents: zone 1's data, zone 2 and
  // zone 3 above its wp as zeros, zone 3's data.
  ASSERT_EQ(f.client().write(zs(2) - 8, pattern(zs(2) - 8, 4096)), S::kOk);
  const uint64_t first = zs(2) - 8, sectors = 8 + kZone + 16;
  std::vector<uint8_t> r0(1000, 0xee), r1(sectors * 512 - 1000, 0xee);
  const std::vector<iovec> rv{{r0.data(), r0.size()}, {r1.data(), r1.size()}};
  done = false;
  q->read(first, rv, [&](S s) { st = s, done = true; });
  wait(done);
  ASSERT_EQ(st, S::kOk);
  std::vector<uint8_t> got(r0);
  got.insert(got.end(), r1.begin(), r1.end());
  EXPECT_EQ(testing::first_mismatch(std::span(got).first(4096), first), -1);
  for (size_t i = 4096; i < (8 + kZone) * 512; ++i) ASSERT_EQ(got[i], 0) << "byte " << i;
  const size_t z3 = (8 + kZone) * 512;
  EXPECT_EQ(testing::first_mismatch(std::span(got).subspan(z3, 8 * 512), zs(3)), -1);
  EXPECT_EQ(testing::first_mismatch(std::span(got).subspan(z3 + 8 * 512, 2 * 512), zs(3) + 8), -1);
  for (size_t i = z3 + 10 * 512; i < got.size(); ++i) ASSERT_EQ(got[i], 0) << "byte " << i;
  // Errors as for one segment.
  done = false;
  q->write(zs(3) + 64, wv, [&](S s, uint64_t) { st = s, done = true; });
  wait(done);
  EXPECT_EQ(st, S::kUnalignedWrite);
}

TEST(ZoneEngine, FinishHidesNothingAndReadsZerosAboveOldWp) {
  EngineFixture f(small_config());
  auto c = f.client();
  ASSERT_EQ(c.write(zs(3), pattern(zs(3), 4096)), S::kOk);
  // Simulate stale bytes above the wp in the backing file (e.g. a failed write).
  auto junk = pattern(zs(3) + 8, 4096, 7);
  ASSERT_EQ(f.file->write((zs(3) + 8) * 512, junk), 4096);
  ASSERT_EQ(c.finish(zs(3)), S::kOk);
  std::vector<uint8_t> buf(kCap * 512);
  ASSERT_EQ(c.read(zs(3), buf), S::kOk);
  EXPECT_EQ(testing::first_mismatch(std::span(buf).first(4096), zs(3)), -1);
  for (size_t i = 4096; i < buf.size(); ++i) ASSERT_EQ(buf[i], 0) << "byte " << i;
}

TEST(ZoneEngine, ResetAllResetsOnlyResettableZones) {
  EngineFixture f(small_config());
  auto c = f.client();
  bring_to(c, *f.engine, zs(3), Start::kImpOpen);
  bring_to(c, *f.engine, zs(4), Start::kExpOpenWritten);
  bring_to(c, *f.engine, zs(5), Start::kClosed);
  bring_to(c, *f.engine, zs(6), Start::kFull);
  bring_to(c, *f.engine, zs(7), Start::kReadOnly);
  bring_to(c, *f.engine, zs(8), Start::kOffline);
  ASSERT_EQ(c.write(zs(0), k4), S::kOk);
  EXPECT_EQ(c.reset_all(), S::kOk);
  for (uint32_t z = 3; z <= 6; ++z) EXPECT_EQ(f.engine->zone(z).cond, C::kEmpty) << z;
  EXPECT_EQ(f.engine->zone(7).cond, C::kReadOnly);
  EXPECT_EQ(f.engine->zone(8).cond, C::kOffline);
  EXPECT_EQ(f.engine->zone(0).cond, C::kNotWp);
  std::vector<uint8_t> buf(4096);
  ASSERT_EQ(c.read(zs(0), buf), S::kOk);  // conventional data untouched
  EXPECT_EQ(buf, k4);
  EXPECT_EQ(f.engine->resource_counts().active, 0u);
}

TEST(ZoneEngine, ReportZonesFiltersFromAnySectorInFirstZone) {
  EngineFixture f(small_config());
  auto c = f.client();
  bring_to(c, *f.engine, zs(3), Start::kImpOpen);
  bring_to(c, *f.engine, zs(6), Start::kFull);
  bring_to(c, *f.engine, zs(9), Start::kImpOpen);
  std::vector<ZoneDescriptor> out(16);
  EXPECT_EQ(f.engine->report_zones(0, ZoneFilter::kAll, out).count, 16u);
  EXPECT_EQ(out[0].type, ZoneType::kConventional);
  EXPECT_EQ(out[0].cond, C::kNotWp);
  EXPECT_EQ(out[2].type, ZoneType::kSequentialWriteRequired);
  EXPECT_EQ(out[3].wp, zs(3) + 8);
  EXPECT_EQ(out[3].capacity, kCap);
  EXPECT_EQ(out[3].len, kZone);
  ASSERT_EQ(f.engine->report_zones(zs(3) + 17, ZoneFilter::kImplicitOpen, out).count, 2u);
  EXPECT_EQ(out[0].start, zs(3));
  EXPECT_EQ(out[1].start, zs(9));
  ASSERT_EQ(f.engine->report_zones(zs(4), ZoneFilter::kImplicitOpen, out).count, 1u);
  ASSERT_EQ(f.engine->report_zones(0, ZoneFilter::kFull, out).count, 1u);
  EXPECT_EQ(out[0].start, zs(6));
  EXPECT_EQ(f.engine->report_zones(0, ZoneFilter::kNotWp, out).count, 2u);
  EXPECT_EQ(f.engine->report_zones(0, ZoneFilter::kAll, std::span(out).first(3)).count, 3u);
  EXPECT_EQ(f.engine->report_zones(zs(16), ZoneFilter::kAll, out).count, 0u);
  EXPECT_EQ(f.engine->report_zones(zs(16), ZoneFilter::kAll, out).status, S::kOutOfRange);
  // FULL zones: the write pointer ends at the capacity; the Linux convention
  // (start + len) is the front end's.
  ASSERT_EQ(f.engine->report_zones(zs(6), ZoneFilter::kAll, std::span(out).first(1)).count, 1u);
  EXPECT_EQ(out[0].wp, zs(6) + kCap);
  EXPECT_EQ(wp_zone_end_if_full(out[0]), zs(6) + kZone);
}

// The report counts every match to the end of the device, however few fit
// (NVMe Zone Management Receive without Partial Report: NR_ZONES).
TEST(ZoneEngine, ReportCountsAllMatchingZonesEvenWhenFewFit) {
  EngineFixture f(small_config());
  auto c = f.client();
  for (uint32_t z : {3u, 5u, 8u, 12u}) bring_to(c, *f.engine, zs(z), Start::kClosed);
  std::vector<ZoneDescriptor> out(1);
  ZoneReport r = f.engine->report_zones(0, ZoneFilter::kClosed, out);
  EXPECT_EQ(r.status, S::kOk);
  EXPECT_EQ(r.count, 1u);
  EXPECT_EQ(r.matching, 4u);
  EXPECT_EQ(out[0].start, zs(3));
  r = f.engine->report_zones(zs(5) + 1, ZoneFilter::kClosed, {});  // only the header fits
  EXPECT_EQ(r.count, 0u);
  EXPECT_EQ(r.matching, 3u);
  r = f.engine->report_zones(zs(2), ZoneFilter::kAll, out);
  EXPECT_EQ(r.matching, 14u);
  EXPECT_EQ(f.engine->report_zones(zs(13), ZoneFilter::kClosed, out).matching, 0u);
}

// Select All: each action applies to its set of conditions and skips the rest
// (zone_types.h select_all_applies, NVMe ZNS Zone Management Send).
TEST(ZoneEngine, SelectAllAppliesEachActionToItsConditions) {
  struct Case {
    ZoneOp op;
    std::vector<C> after;  // zones 2..9 after the action
  };
  // Zones 2..9 start as: EMPTY, IMP_OPEN, EXP_OPEN, CLOSED, FULL, READONLY, OFFLINE, EXP_OPEN(no data).
  const std::vector<Start> starts = {Start::kEmpty, Start::kImpOpen, Start::kExpOpenWritten,
                                     Start::kClosed, Start::kFull, Start::kReadOnly,
                                     Start::kOffline, Start::kExpOpenEmpty};
  const std::vector<Case> cases = {
      {ZoneOp::kOpen, {C::kEmpty, C::kImplicitOpen, C::kExplicitOpen, C::kExplicitOpen, C::kFull,
                       C::kReadOnly, C::kOffline, C::kExplicitOpen}},
      {ZoneOp::kClose, {C::kEmpty, C::kClosed, C::kClosed, C::kClosed, C::kFull, C::kReadOnly,
                        C::kOffline, C::kEmpty}},
      {ZoneOp::kFinish, {C::kEmpty, C::kFull, C::kFull, C::kFull, C::kFull, C::kReadOnly,
                         C::kOffline, C::kFull}},
      {ZoneOp::kReset, {C::kEmpty, C::kEmpty, C::kEmpty, C::kEmpty, C::kEmpty, C::kReadOnly,
                        C::kOffline, C::kEmpty}},
      {ZoneOp::kOffline, {C::kEmpty, C::kImplicitOpen, C::kExplicitOpen, C::kClosed, C::kFull,
                          C::kOffline, C::kOffline, C::kExplicitOpen}},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(std::string(to_string(k.op)) + " all");
    EngineFixture f(small_config());
    auto c = f.client();
    for (uint32_t i = 0; i < starts.size(); ++i) bring_to(c, *f.engine, zs(2 + i), starts[i]);
    ASSERT_EQ(c.zone_op_all(k.op), S::kOk);
    for (uint32_t i = 0; i < starts.size(); ++i) {
      EXPECT_EQ(f.engine->zone(2 + i).cond, k.after[i]) << "zone " << 2 + i << " from " << name(starts[i]);
    }
    uint32_t open = 0, active = 0;
    for (uint32_t z = 2; z < 16; ++z) {
      open += is_open(f.engine->zone(z).cond);
      active += is_active(f.engine->zone(z).cond);
    }
    EXPECT_EQ(f.engine->resource_counts().open, open);
    EXPECT_EQ(f.engine->resource_counts().active, active);
  }
}

// Open all needs resources like any open: with max-open 2 and three CLOSED
// zones, the third open finds only EXP_OPEN zones: kOpenResource, and the first
// two stay open (the first failure in zone order is the result).
TEST(ZoneEngine, SelectAllOpenStopsAtTheOpenLimit) {
  EngineFixture f(limits(2, 0));
  auto c = f.client();
  for (uint32_t z : {3u, 4u, 5u}) bring_to(c, *f.engine, zs(z), Start::kClosed);
  EXPECT_EQ(c.zone_op_all(ZoneOp::kOpen), S::kOpenResource);
  EXPECT_EQ(f.engine->zone(3).cond, C::kExplicitOpen);
  EXPECT_EQ(f.engine->zone(4).cond, C::kExplicitOpen);
  EXPECT_EQ(f.engine->zone(5).cond, C::kClosed);
  EXPECT_EQ(f.engine->resource_counts().open, 2u);
}

// Offline (NVMe action 05h) takes only a READONLY zone OFFLINE; it is persisted.
TEST(ZoneEngine, OfflineOnlyFromReadOnly) {
  EngineFixture f(small_config());
  auto c = f.client();
  bring_to(c, *f.engine, zs(3), Start::kImpOpen);
  EXPECT_EQ(c.zone_op(ZoneOp::kOffline, zs(3)), S::kInvalidTransition);
  EXPECT_EQ(c.zone_op(ZoneOp::kOffline, zs(4)), S::kInvalidTransition);  // EMPTY
  ASSERT_EQ(f.engine->inject_condition(zs(5), C::kReadOnly), S::kOk);
  EXPECT_EQ(c.zone_op(ZoneOp::kOffline, zs(5)), S::kOk);
  EXPECT_EQ(f.engine->zone(5).cond, C::kOffline);
  EXPECT_EQ(c.zone_op(ZoneOp::kOffline, zs(5)), S::kOk);  // already OFFLINE: no-op
  EXPECT_EQ(f.store.load(5).cond, C::kOffline);
  EXPECT_EQ(c.zone_op(ZoneOp::kOffline, zs(1)), S::kInvalidZoneOp);  // conventional
}

TEST(ZoneEngine, HostAwareAllowsRandomWrites) {
  EngineFixture f(host_aware());
  auto c = f.client();
  ASSERT_EQ(c.write(zs(3) + 40, pattern(zs(3) + 40, 4096)), S::kOk);
  ZoneDescriptor d = f.engine->zone(3);
  EXPECT_TRUE(d.non_seq);
  EXPECT_EQ(d.wp, zs(3) + 48);
  EXPECT_EQ(d.type, ZoneType::kSequentialWritePreferred);
  ASSERT_EQ(c.write(zs(3), pattern(zs(3), 4096)), S::kOk);  // below wp
  EXPECT_EQ(f.engine->zone(3).wp, zs(3) + 48);
  std::vector<uint8_t> buf(48 * 512);
  ASSERT_EQ(c.read(zs(3), buf), S::kOk);
  EXPECT_EQ(testing::first_mismatch(std::span(buf).first(4096), zs(3)), -1);
  for (size_t i = 4096; i < 40 * 512; ++i) ASSERT_EQ(buf[i], 0);
  EXPECT_EQ(testing::first_mismatch(std::span(buf).subspan(40 * 512), zs(3) + 40), -1);
  // Writing the last block makes the zone FULL.
  ASSERT_EQ(c.write(zs(3) + kCap - 8, pattern(0, 4096)), S::kOk);
  EXPECT_EQ(f.engine->zone(3).cond, C::kFull);
  // A FULL host-aware zone still takes writes below its capacity (Linux uses
  // the disk as a regular one) and stays FULL.
  ASSERT_EQ(c.write(zs(3) + 8, pattern(zs(3) + 8, 4096)), S::kOk);
  EXPECT_EQ(f.engine->zone(3).cond, C::kFull);
  ASSERT_EQ(c.read(zs(3) + 8, std::span(buf).first(4096)), S::kOk);
  EXPECT_EQ(testing::first_mismatch(std::span(buf).first(4096), zs(3) + 8), -1);
  ASSERT_EQ(c.reset(zs(3)), S::kOk);
  EXPECT_FALSE(f.engine->zone(3).non_seq);
}

TEST(ZoneEngine, NotZonedModelIsAPlainDisk) {
  auto cfg = small_config();
  cfg.model = ZonedModel::kNone;
  EngineFixture f(cfg);
  auto c = f.client();
  ASSERT_EQ(c.write(zs(7) + 8, k4), S::kOk);
  ASSERT_EQ(c.write(zs(8) - 4, k4), S::kOk);  // crosses a "zone" boundary: fine
  EXPECT_EQ(c.open(zs(7)), S::kInvalidZoneOp);
  std::vector<uint8_t> buf(4096);
  ASSERT_EQ(c.read(zs(7) + 8, buf), S::kOk);
  EXPECT_EQ(buf, k4);
}

TEST(ZoneEngine, FailedWriteDoesNotAdvanceWritePointer) {
  FaultyEngine fe(small_config(), "faulty.img");
  testing::FaultyBackend& faulty = fe.faulty;
  ZoneEngine& engine = fe.engine;
  auto q = engine.open_queue(8);
  // Three appends in flight; the second fails.
  faulty.fail_writes((zs(3) + 8) * 512, (zs(3) + 16) * 512);
  std::vector<std::pair<S, uint64_t>> results(3);
  int done = 0;
  std::deque<testing::Buffer> bufs;
  for (int i = 0; i < 3; ++i) bufs.emplace_back(pattern(zs(3) + 8 * i, 4096));
  for (int i = 0; i < 3; ++i) {
    q->append(zs(3), bufs[i].segments(), [&, i](S s, uint64_t sector) {
      results[i] = {s, sector};
      ++done;
    });
  }
  while (done < 3) q->wait();
  EXPECT_EQ(results[0], std::make_pair(S::kOk, zs(3)));
  EXPECT_EQ(results[1].first, S::kIoError);
  EXPECT_EQ(results[2].first, S::kIoError);  // behind the hole
  EXPECT_EQ(engine.zone(3).wp, zs(3) + 8);
  faulty.fail_writes(0, 0);
  SyncZoneClient c(engine, 8);
  auto r = c.append(zs(3), bufs[1].bytes);
  EXPECT_EQ(r.status, S::kOk);
  EXPECT_EQ(r.sector, zs(3) + 8);
}

// Finish drops [wp, capacity) through the queue before the zone turns FULL; a
// failed discard changes nothing. A write that arrives meanwhile waits behind
// the finish (and then finds the zone FULL).
TEST(ZoneEngine, FinishDiscardsThroughTheQueueAndWritesWaitBehindIt) {
  FaultyEngine fe(small_config(), "finish_queue.img");
  ZoneEngine& engine = fe.engine;
  auto q = engine.open_queue(8);
  SyncZoneClient c(engine, 4);
  ASSERT_EQ(c.write(zs(3), pattern(zs(3), 4096)), S::kOk);
  fe.faulty.fail_discards(true);
  EXPECT_EQ(c.finish(zs(3)), S::kIoError);
  EXPECT_EQ(engine.zone(3).cond, C::kImplicitOpen);
  EXPECT_EQ(engine.zone(3).wp, zs(3) + 8);
  fe.faulty.fail_discards(false);
  std::vector<std::string> order;
  testing::Buffer more(pattern(zs(3) + 8, 4096));
  q->zone_op(ZoneOp::kFinish, zs(3), [&](S s) { order.push_back(std::string("finish ") + std::string(to_string(s))); });
  q->write(zs(3) + 8, more.segments(), [&](S s, uint64_t) { order.push_back(std::string("write ") + std::string(to_string(s))); });
  EXPECT_TRUE(order.empty());  // nothing completes inside a call
  while (order.size() < 2) q->wait();
  ASSERT_EQ(order.size(), 2u);
  EXPECT_EQ(order[0], "finish " + std::string(to_string(S::kOk)));
  EXPECT_EQ(order[1], "write " + std::string(to_string(S::kZoneFull)));
  EXPECT_EQ(engine.zone(3).cond, C::kFull);
  EXPECT_EQ(engine.resource_counts().open, 0u);
}

TEST(ZoneEngine, ZoneOpWaitsForWritesInFlight) {
  EngineFixture f(small_config());
  auto q = f.queue(8);
  std::vector<std::string> order;
  testing::Buffer data(pattern(zs(3), 4096));
  q->write(zs(3), data.segments(), [&](S s, uint64_t) { order.push_back("write"); });
  q->zone_op(ZoneOp::kFinish, zs(3), [&](S s) {
    EXPECT_EQ(s, S::kOk);
    order.push_back("finish");
  });
  while (order.size() < 2) q->wait();
  EXPECT_EQ(order, (std::vector<std::string>{"write", "finish"}));
  std::vector<uint8_t> buf(4096);
  SyncZoneClient c(*f.engine, 8);
  ASSERT_EQ(c.read(zs(3), buf), S::kOk);
  EXPECT_EQ(buf, data.bytes);
}

}  // namespace
}  // namespace zvmm::zoned

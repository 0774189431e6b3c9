// Zone engine benchmark: 4 KiB writes, appends and reads at queue depth 1 and
// 32 through the engine on an image file, the same I/O straight to the same
// file (raw-file), and the engine on the null backend. Prints ops/s, ns/op and the
// engine/raw overhead ratio; --json for machine-readable output.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "block/file_backend.h"
#include "block/null_backend.h"
#include "block/io_queue.h"
#include "zoned/sync_zone_client.h"
#include "zoned/zoned_image.h"

namespace zvmm::zoned {
namespace {

constexpr size_t kIo = 4096;
constexpr uint64_t kZoneBytes = 64ull << 20;
constexpr uint32_t kZones = 16;

struct Result {
  std::string target, op;
  unsigned qd;
  uint64_t ops;
  double seconds;
  double ns_per_op() const { return seconds * 1e9 / static_cast<double>(ops); }
  double ops_per_s() const { return static_cast<double>(ops) / seconds; }
};

using Done = std::function<void()>;
using block::IoCallback;

// Keeps `qd` I/Os in flight until `total` have completed.
// `wait`: blocks until something completes, then runs the callbacks.
Result run(const std::string& target, const std::string& op, const std::function<void()>& wait,
           unsigned qd, uint64_t total, const std::function<void(uint64_t, Done)>& issue) {
  uint64_t issued = 0, completed = 0;
  unsigned in_flight = 0;
  auto start = std::chrono::steady_clock::now();
  while (completed < total) {
    while (issued < total && in_flight < qd) {
      ++in_flight;
      issue(issued++, [&] { --in_flight, ++completed; });
    }
    wait();
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {target, op, qd, total, secs};
}

void check(ZoneStatus st) {
  if (st != ZoneStatus::kOk) {
    std::fprintf(stderr, "bench: unexpected status %s\n", std::string(to_string(st)).c_str());
    std::exit(1);
  }
}

// Sector of the i-th 4 KiB block, filling zone after zone up to its capacity.
uint64_t block_sector(const ZoneGeometry& g, uint64_t i) {
  const uint64_t per_zone = g.zone_capacity_sectors() * kSectorSize / kIo;
  return g.zone_start(static_cast<uint32_t>(i / per_zone)) + (i % per_zone) * (kIo / kSectorSize);
}

IoCallback raw_done(Done done) {
  return [done](int64_t r) {
    if (r < 0) std::exit(1);
    done();
  };
}

// Like with like: the engine and the raw queue write the same sectors of the
// same file, each run starting from freshly reset, hole-punched zones, with the
// same number of I/Os in flight. `raw-file` ops go straight to the image's data
// area: the floor the engine adds to. Odd rounds run the engine first.
void file_cases(ZonedImage& image, uint64_t ops, unsigned round, std::vector<Result>& out) {
  ZoneEngine& engine = image.engine();
  const ZoneGeometry& g = engine.geometry();
  const uint64_t data = image.layout().data_offset;
  std::vector<uint8_t> buf(kIo, 0x5A);
  std::vector<std::vector<uint8_t>> read_bufs(32, std::vector<uint8_t>(kIo));
  const iovec buf_seg{buf.data(), buf.size()};
  std::vector<iovec> read_segs;
  for (auto& b : read_bufs) read_segs.push_back({b.data(), b.size()});
  for (unsigned qd : {1u, 32u}) {
    auto q = image.backend().create_queue(qd);
    auto zq = engine.open_queue(qd);
    auto raw_wait = [&] { q->wait_completions(); };
    auto engine_wait = [&] { zq->wait(); };
    SyncZoneClient admin(engine, 4);
    auto fresh = [&] {  // every zone EMPTY and unallocated, nothing dirty
      check(admin.reset_all());
      image.backend().discard(data, g.device_sectors() * kSectorSize);
      check(admin.flush());
    };
    auto raw_write = [&] {
      fresh();
      out.push_back(run("raw-file", "write", raw_wait, qd, ops, [&](uint64_t i, Done done) {
        q->submit_writev(data + block_sector(g, i) * kSectorSize, {&buf_seg, 1}, raw_done(done));
      }));
    };
    auto engine_write = [&] {
      fresh();
      out.push_back(run("engine-file", "write", engine_wait, qd, ops, [&](uint64_t i, Done done) {
        zq->write(block_sector(g, i), {&buf_seg, 1}, [done](ZoneStatus st, uint64_t) { check(st), done(); });
      }));
    };
    if (round % 2) engine_write(), raw_write();
    else raw_write(), engine_write();
    std::mt19937_64 rng(1);
    out.push_back(run("raw-file", "read", raw_wait, qd, ops, [&](uint64_t i, Done done) {
      q->submit_readv(data + block_sector(g, rng() % ops) * kSectorSize, {&read_segs[i % 32], 1},
                      raw_done(done));
    }));
    rng.seed(1);
    out.push_back(run("engine-file", "read", engine_wait, qd, ops, [&](uint64_t i, Done done) {
      zq->read(block_sector(g, rng() % ops), {&read_segs[i % 32], 1},
               [done](ZoneStatus st) { check(st), done(); });
    }));
    fresh();
    out.push_back(run("engine-file", "append", engine_wait, qd, ops, [&](uint64_t i, Done done) {
      zq->append(block_sector(g, i) & ~(g.zone_sectors() - 1), {&buf_seg, 1},
                 [done](ZoneStatus st, uint64_t) { check(st), done(); });
    }));
  }
}

// One result per (target, op, qd): the median ns/op over the rounds.
std::vector<Result> medians(const std::vector<Result>& all) {
  std::vector<Result> out;
  for (const Result& r : all) {
    bool seen = false;
    for (const Result& o : out) seen |= o.target == r.target && o.op == r.op && o.qd == r.qd;
    if (seen) continue;
    std::vector<double> secs;
    for (const Result& o : all) {
      if (o.target == r.target && o.op == r.op && o.qd == r.qd) secs.push_back(o.seconds);
    }
    std::sort(secs.begin(), secs.end());
    out.push_back({r.target, r.op, r.qd, r.ops, secs[secs.size() / 2]});
  }
  return out;
}

// The engine over the null backend: its CPU cost alone.
void null_cases(ZoneEngine& engine, block::BlockBackend& backend, uint64_t ops, std::vector<Result>& out) {
  const ZoneGeometry& g = engine.geometry();
  std::vector<uint8_t> buf(kIo, 0x5A);
  const iovec buf_seg{buf.data(), buf.size()};
  for (unsigned qd : {1u, 32u}) {
    auto zq = engine.open_queue(qd);
    auto wait = [&] { zq->wait(); };
    SyncZoneClient admin(engine, 4);
    check(admin.reset_all());
    out.push_back(run("engine-null", "write", wait, qd, ops, [&](uint64_t i, Done done) {
      zq->write(block_sector(g, i), {&buf_seg, 1}, [done](ZoneStatus st, uint64_t) { check(st), done(); });
    }));
    check(admin.reset_all());
    out.push_back(run("engine-null", "append", wait, qd, ops, [&](uint64_t i, Done done) {
      zq->append(block_sector(g, i) & ~(g.zone_sectors() - 1), {&buf_seg, 1},
                 [done](ZoneStatus st, uint64_t) { check(st), done(); });
    }));
  }
}

const Result* find(const std::vector<Result>& rs, const std::string& target, const std::string& op, unsigned qd) {
  for (auto& r : rs) {
    if (r.target == target && r.op == op && r.qd == qd) return &r;
  }
  return nullptr;
}

int main_impl(int argc, char** argv) {
  bool json = false;
  uint64_t ops = 40000;
  unsigned rounds = 5;
  std::string dir = "/tmp";
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json")) json = true;
    else if (!std::strcmp(argv[i], "--ops") && i + 1 < argc) ops = std::stoull(argv[++i]);
    else if (!std::strcmp(argv[i], "--dir") && i + 1 < argc) dir = argv[++i];
    else if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = std::max(1, std::stoi(argv[++i]));
    else {
      std::fprintf(stderr, "usage: bench [--json] [--ops N] [--rounds N] [--dir DIR]\n");
      return 2;
    }
  }
  ZoneGeometryConfig cfg;
  cfg.device_bytes = kZones * kZoneBytes;
  cfg.zone_size_bytes = kZoneBytes;
  auto geometry = ZoneGeometry::from_config(cfg);
  if (ops * kIo > cfg.device_bytes) ops = cfg.device_bytes / kIo;
  std::vector<Result> results;

  const std::string image_path = dir + "/zvmm-bench-zoned.img";
  ZonedImage::create(image_path, geometry, /*overwrite=*/true);
  std::string queue_kind;
  {
    auto image = ZonedImage::open(image_path, geometry);
    queue_kind = image->backend().create_queue(1)->kind() == block::IoQueueKind::kIoUring ? "io_uring" : "sync";
    for (unsigned round = 0; round < rounds; ++round) file_cases(*image, ops, round, results);
  }
  {
    block::NullBackend null(cfg.device_bytes);
    VolatileZoneStateStore store(geometry.nr_zones());
    ZoneEngine engine(geometry, null, 0, store);
    for (unsigned round = 0; round < rounds; ++round) null_cases(engine, null, ops, results);
  }
  results = medians(results);
  std::remove(image_path.c_str());
  if (json) {
    std::printf("{\"io_bytes\": %zu, \"ops_per_case\": %llu, \"results\": [", kIo, static_cast<unsigned long long>(ops));
    for (size_t i = 0; i < results.size(); ++i) {
      const Result& r = results[i];
      std::printf("%s\n  {\"target\": \"%s\", \"op\": \"%s\", \"qd\": %u, \"ops_per_s\": %.0f, \"ns_per_op\": %.0f}",
                  i ? "," : "", r.target.c_str(), r.op.c_str(), r.qd, r.ops_per_s(), r.ns_per_op());
    }
    std::printf("\n]}\n");
    return 0;
  }
  std::printf("4 KiB I/O, %llu ops per case, median of %u rounds, %s queues\n\n%-14s %-7s %3s %12s %10s %18s\n", static_cast<unsigned long long>(ops),
              rounds, queue_kind.c_str(), "target", "op", "qd", "ops/s", "ns/op", "engine/raw ratio");
  for (const Result& r : results) {
    std::string ratio;
    if (r.target == "engine-file") {
      const Result* base = find(results, "raw-file", r.op == "append" ? "write" : r.op, r.qd);
      if (base) ratio = std::to_string(r.ns_per_op() / base->ns_per_op()).substr(0, 4) + "x";
    }
    std::printf("%-14s %-7s %3u %12.0f %10.0f %18s\n", r.target.c_str(), r.op.c_str(), r.qd, r.ops_per_s(),
                r.ns_per_op(), ratio.c_str());
  }
  std::printf("\nratio = engine-file ns/op over raw-file ns/op: same file, same sectors, same\n"
              "hole-punched start, same depth (append vs raw write).\n");
  return 0;
}

}  // namespace
}  // namespace zvmm::zoned

int main(int argc, char** argv) { return zvmm::zoned::main_impl(argc, argv); }

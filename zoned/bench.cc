// Zone engine benchmark: 4 KiB writes, appends and reads at queue depth 1 and
// 32 through the engine on an image file, the same I/O straight to a file with
// io_uring, and the engine on the null backend. Prints ops/s, ns/op and the
// engine/raw overhead ratio; --json for machine-readable output.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "block/file_backend.h"
#include "block/null_backend.h"
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

// Keeps `qd` I/Os in flight until `total` have completed.
Result run(const std::string& target, const std::string& op, block::IoQueue& q, unsigned qd,
           uint64_t total, const std::function<void(uint64_t, Done)>& issue) {
  uint64_t issued = 0, completed = 0;
  unsigned in_flight = 0;
  auto start = std::chrono::steady_clock::now();
  while (completed < total) {
    while (issued < total && in_flight < qd) {
      ++in_flight;
      issue(issued++, [&] { --in_flight, ++completed; });
    }
    q.wait_completions();
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

// write / append / read through an engine.
void engine_cases(const std::string& target, ZoneEngine& engine, block::BlockBackend& backend,
                  uint64_t ops, std::vector<Result>& out) {
  const ZoneGeometry& g = engine.geometry();
  std::vector<uint8_t> buf(kIo, 0x5A);
  std::vector<std::vector<uint8_t>> read_bufs(32, std::vector<uint8_t>(kIo));
  const uint64_t per_zone = g.zone_capacity_sectors() * kSectorSize / kIo;
  for (unsigned qd : {1u, 32u}) {
    auto q = backend.create_queue(qd);
    SyncZoneClient admin(engine, backend.create_queue(4));
    check(admin.reset_all());
    out.push_back(run(target, "write", *q, qd, ops, [&](uint64_t i, Done done) {
      uint64_t sector = g.zone_start(static_cast<uint32_t>(i / per_zone)) + (i % per_zone) * (kIo / kSectorSize);
      engine.submit_write(*q, sector, buf, [done](ZoneStatus st, uint64_t) { check(st), done(); });
    }));
    std::mt19937_64 rng(1);
    out.push_back(run(target, "read", *q, qd, ops, [&](uint64_t i, Done done) {
      uint64_t block = rng() % ops;
      uint64_t sector = g.zone_start(static_cast<uint32_t>(block / per_zone)) + (block % per_zone) * (kIo / kSectorSize);
      engine.submit_read(*q, sector, read_bufs[i % 32], [done](ZoneStatus st) { check(st), done(); });
    }));
    check(admin.reset_all());
    out.push_back(run(target, "append", *q, qd, ops, [&](uint64_t i, Done done) {
      uint64_t zone = g.zone_start(static_cast<uint32_t>(i / per_zone));
      engine.submit_append(*q, zone, buf, [done](ZoneStatus st, uint64_t) { check(st), done(); });
    }));
  }
}

void raw_cases(block::FileBackend& file, uint64_t ops, std::vector<Result>& out) {
  std::vector<uint8_t> buf(kIo, 0x5A);
  std::vector<std::vector<uint8_t>> read_bufs(32, std::vector<uint8_t>(kIo));
  for (unsigned qd : {1u, 32u}) {
    auto q = file.create_queue(qd);
    const char* target = q->kind() == block::IoQueueKind::kIoUring ? "raw-io_uring" : "raw-sync";
    auto cb = [](Done done) { return [done](int64_t r) { if (r < 0) std::exit(1); done(); }; };
    out.push_back(run(target, "write", *q, qd, ops, [&](uint64_t i, Done done) {
      q->submit_write(i * kIo, buf, cb(done));
    }));
    std::mt19937_64 rng(1);
    out.push_back(run(target, "read", *q, qd, ops, [&](uint64_t i, Done done) {
      q->submit_read((rng() % ops) * kIo, read_bufs[i % 32], cb(done));
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
  std::string dir = "/tmp";
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json")) json = true;
    else if (!std::strcmp(argv[i], "--ops") && i + 1 < argc) ops = std::stoull(argv[++i]);
    else if (!std::strcmp(argv[i], "--dir") && i + 1 < argc) dir = argv[++i];
    else {
      std::fprintf(stderr, "usage: bench [--json] [--ops N] [--dir DIR]\n");
      return 2;
    }
  }
  ZoneGeometryConfig cfg;
  cfg.device_bytes = kZones * kZoneBytes;
  cfg.zone_size_bytes = kZoneBytes;
  auto geometry = ZoneGeometry::from_config(cfg);
  if (ops * kIo > cfg.device_bytes) ops = cfg.device_bytes / kIo;
  std::vector<Result> results;

  const std::string image_path = dir + "/zvmm-bench-zoned.img", raw_path = dir + "/zvmm-bench-raw.img";
  ZonedImage::create(image_path, geometry, /*overwrite=*/true);
  {
    auto image = ZonedImage::open(image_path, geometry);
    engine_cases("engine-file", image->engine(), image->backend(), ops, results);
  }
  {
    auto raw = block::FileBackend::create(raw_path, cfg.device_bytes);
    raw_cases(*raw, ops, results);
  }
  {
    block::NullBackend null(cfg.device_bytes);
    VolatileZoneStateStore store(geometry.nr_zones());
    ZoneEngine engine(geometry, null, 0, store);
    engine_cases("engine-null", engine, null, ops, results);
  }
  std::remove(image_path.c_str());
  std::remove(raw_path.c_str());

  const std::string raw = find(results, "raw-io_uring", "write", 1) ? "raw-io_uring" : "raw-sync";
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
  std::printf("4 KiB I/O, %llu ops per case\n\n%-14s %-7s %3s %12s %10s %18s\n", static_cast<unsigned long long>(ops),
              "target", "op", "qd", "ops/s", "ns/op", "engine/raw ratio");
  for (const Result& r : results) {
    std::string ratio;
    if (r.target == "engine-file") {
      const Result* base = find(results, raw, r.op == "append" ? "write" : r.op, r.qd);
      if (base) ratio = std::to_string(r.ns_per_op() / base->ns_per_op()).substr(0, 4) + "x";
    }
    std::printf("%-14s %-7s %3u %12.0f %10.0f %18s\n", r.target.c_str(), r.op.c_str(), r.qd, r.ops_per_s(),
                r.ns_per_op(), ratio.c_str());
  }
  std::printf("\nratio = engine-file ns/op over %s ns/op for the same op and depth (append vs raw write).\n",
              raw.c_str());
  return 0;
}

}  // namespace
}  // namespace zvmm::zoned

int main(int argc, char** argv) { return zvmm::zoned::main_impl(argc, argv); }

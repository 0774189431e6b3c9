// virtio-blk device-side benchmark: the VMM's cost per request, without a guest.
//
// A driver (TestDriverQueue) lays out requests in guest memory the way Linux's
// virtio_blk does (one indirect descriptor per request: header, data, status),
// publishes a batch, and the queue runs one worker pass (BlkQueue::service():
// pop, validate, submit to the zone engine on io_uring, reap, complete, notify)
// until the batch is done. Backing files live on /dev/shm (tmpfs, like the
// guest benchmark's) unless ZVMM_BENCH_DIR says otherwise.
//
// Cases: 4 KiB random reads, batches of 32 (plain disk); 128 KiB sequential
// writes, batches of 4 (host-managed zoned disk, zones reset when full), in one
// segment and in 32 (a guest buffer of scattered pages: the bounce-buffer path).
// Prints the device's time per request (the driver's side is not timed), its
// heap allocations per request and interrupts per request; --json for
// machine-readable output. Build with -c opt.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "devices/virtio/blk_protocol.h"
#include "devices/virtio/blk_queue.h"
#include "devices/virtio/testing/test_driver.h"
#include "base/le.h"
#include "zoned/open_zoned_device.h"

// Heap allocations, counted for the allocations-per-request figure.
namespace {
std::atomic<uint64_t> g_allocations{0};
}
void* operator new(size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace zvmm::virtio {
namespace {

using testing::Seg;
using testing::TestDriverQueue;

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kDiskBytes = 256 * kMiB;
constexpr uint16_t kQueueSize = 256;

struct Result {
  std::string name;
  uint64_t requests;
  double seconds;
  uint64_t allocations;
  size_t interrupts;
  double ns() const { return seconds * 1e9 / static_cast<double>(requests); }
};

class CountingInterrupt final : public VirtioInterrupt {
 public:
  void signal_queue(uint16_t) override { ++queue_signals; }
  void signal_config() override {}
  void set_needs_reset() override {
    std::fprintf(stderr, "blk_bench: the device asked for a reset\n");
    std::exit(1);
  }
  size_t queue_signals = 0;
};

std::string bench_dir() {
  const char* d = std::getenv("ZVMM_BENCH_DIR");
  return d ? d : "/dev/shm";
}

// One device + queue + driver ring.
struct Rig {
  Rig(const std::string& spec_text, uint64_t features)
      : device(zoned::open_zoned_device(zoned::parse_zoned_device_spec(spec_text))),
        config(device->geometry(), VirtioBlkOptions{}),
        ctx{*device, config, features, irq} {
    auto vq = Virtqueue::create(mem, drv.config(), {.event_idx = true, .indirect = true});
    queue = std::make_unique<BlkQueue>(ctx, 0, std::get<Virtqueue>(std::move(vq)),
                                       device->open_queue(kQueueSize));
  }

  // Publishes one request (indirect: header, data, status) like Linux does.
  // `segments` > 1 splits the data into that many descriptors, as a guest's
  // buffer of scattered pages arrives.
  void add(uint32_t type, uint64_t sector, uint64_t data, uint32_t len, bool device_writes,
           uint32_t segments = 1) {
    const uint64_t hdr = drv.alloc(16);
    uint8_t h[16] = {};
    store_le<uint32_t>(h, 0, type);
    store_le<uint64_t>(h, 8, sector);
    drv.write(hdr, h);
    const uint64_t status = drv.alloc(1);
    std::vector<Seg> segs{{hdr, 16, false}};
    for (uint32_t i = 0; i < segments; ++i) {
      segs.push_back({data + uint64_t{i} * (len / segments), len / segments, device_writes});
    }
    segs.push_back({status, 1, true});
    drv.publish(drv.make_chain(segs, /*indirect=*/true));
  }

  // Runs worker passes until `n` more used entries appeared. Like Linux, the
  // driver asks for an interrupt at the next used entry. Only this part (the
  // device's work) is timed and counted.
  void complete(uint16_t n) {
    drv.set_used_event(drv.used_idx());
    const uint16_t target = static_cast<uint16_t>(drv.used_idx() + n);
    const uint64_t allocations = g_allocations.load(std::memory_order_relaxed);
    const auto start = std::chrono::steady_clock::now();
    queue->service();
    while (drv.used_idx() != target) {
      queue->io().wait();
      queue->notify();
    }
    device_time += std::chrono::steady_clock::now() - start;
    device_allocations += g_allocations.load(std::memory_order_relaxed) - allocations;
  }

  std::chrono::steady_clock::duration device_time{};
  uint64_t device_allocations = 0;
  GuestMemory mem = GuestMemory::create(64 * kMiB);
  std::unique_ptr<zoned::ZonedDevice> device;
  BlkConfig config;
  CountingInterrupt irq;
  BlkContext ctx;
  TestDriverQueue drv{mem, 0x100000, kQueueSize, 0x400000, 8 * kMiB};
  std::unique_ptr<BlkQueue> queue;
};

template <typename Body>
Result measure(const std::string& name, Rig& rig, uint64_t requests, Body body) {
  const size_t irq_before = rig.irq.queue_signals;
  rig.device_time = {};
  rig.device_allocations = 0;
  body();
  return {name, requests, std::chrono::duration<double>(rig.device_time).count(),
          rig.device_allocations, rig.irq.queue_signals - irq_before};
}

Result randread(uint64_t batches) {
  const std::string path = bench_dir() + "/zvmm-blk-bench-plain.img";
  ::unlink(path.c_str());
  Rig rig("file=" + path + ",zoned=none,size=256M", 0);
  constexpr uint32_t kBs = 4096, kDepth = 32;
  const uint64_t data = 0x1000000;  // kDepth distinct 4 KiB buffers
  // Fill the file so reads hit the page cache, not holes.
  for (uint64_t off = 0; off < kDiskBytes; off += 128 * 1024) {
    rig.add(blk::req::kOut, off / 512, data, 128 * 1024, false);
    rig.complete(1);
  }
  std::mt19937_64 rng(1);
  auto run = [&](uint64_t n) {
    for (uint64_t b = 0; b < n; ++b) {
      for (uint32_t i = 0; i < kDepth; ++i) {
        rig.add(blk::req::kIn, (rng() % (kDiskBytes / kBs)) * (kBs / 512), data + i * kBs, kBs, true);
      }
      rig.complete(kDepth);
    }
  };
  run(batches / 10);  // warm-up
  Result r = measure("randread-4k-batch32", rig, batches * kDepth, [&] { run(batches); });
  ::unlink(path.c_str());
  return r;
}

Result seqwrite(uint64_t batches, uint32_t segments) {
  const std::string path = bench_dir() + "/zvmm-blk-bench-zoned.img";
  ::unlink(path.c_str());
  Rig rig("file=" + path + ",size=256M,zone-size=16M,max-open=8,max-active=12", bit(blk::feature::kZoned));
  constexpr uint32_t kBs = 128 * 1024, kDepth = 4;
  const uint64_t data = 0x1000000;
  uint64_t sector = 0;
  const uint64_t sectors = rig.device->geometry().device_sectors();
  // Reset-all: a header + status chain.
  auto reset_all = [&] {
    const uint64_t hdr = rig.drv.alloc(16);
    uint8_t h[16] = {};
    store_le<uint32_t>(h, 0, blk::req::kZoneResetAll);
    rig.drv.write(hdr, h);
    const uint64_t status = rig.drv.alloc(1);
    rig.drv.publish(rig.drv.make_chain({{hdr, 16, false}, {status, 1, true}}, true));
    rig.complete(1);
  };
  auto run_writes = [&](uint64_t n) {
    for (uint64_t b = 0; b < n; ++b) {
      if (sector + kDepth * (kBs / 512) > sectors) {
        reset_all();
        sector = 0;
      }
      for (uint32_t i = 0; i < kDepth; ++i, sector += kBs / 512) {
        rig.add(blk::req::kOut, sector, data + i * kBs, kBs, false, segments);
      }
      rig.complete(kDepth);
    }
  };
  run_writes(batches / 10);
  const std::string name = segments == 1 ? "seqwrite-128k-batch4-zoned"
                                         : "seqwrite-128k-" + std::to_string(segments) + "seg-zoned";
  Result r = measure(name, rig, batches * kDepth, [&] { run_writes(batches); });
  ::unlink(path.c_str());
  return r;
}

int main(int argc, char** argv) {
  bool json = argc > 1 && std::string(argv[1]) == "--json";
  const uint64_t scale = std::getenv("ZVMM_BENCH_SCALE") ? std::strtoull(std::getenv("ZVMM_BENCH_SCALE"), nullptr, 10) : 1;
  std::vector<Result> results = {randread(2000 * scale), seqwrite(1000 * scale, 1),
                                 seqwrite(1000 * scale, 32)};
  if (json) {
    std::printf("[");
    for (size_t i = 0; i < results.size(); ++i) {
      const Result& r = results[i];
      std::printf("%s{\"case\":\"%s\",\"requests\":%llu,\"ns_per_request\":%.0f,"
                  "\"allocations_per_request\":%.2f,\"interrupts_per_request\":%.3f}",
                  i ? "," : "", r.name.c_str(), static_cast<unsigned long long>(r.requests), r.ns(),
                  static_cast<double>(r.allocations) / static_cast<double>(r.requests),
                  static_cast<double>(r.interrupts) / static_cast<double>(r.requests));
    }
    std::printf("]\n");
    return 0;
  }
  std::printf("%-28s %10s %14s %12s %12s\n", "case", "requests", "ns/request", "allocs/req", "irqs/req");
  for (const Result& r : results) {
    std::printf("%-28s %10llu %14.0f %12.2f %12.3f\n", r.name.c_str(),
                static_cast<unsigned long long>(r.requests), r.ns(),
                static_cast<double>(r.allocations) / static_cast<double>(r.requests),
                static_cast<double>(r.interrupts) / static_cast<double>(r.requests));
  }
  return 0;
}

}  // namespace
}  // namespace zvmm::virtio

int main(int argc, char** argv) { return zvmm::virtio::main(argc, argv); }

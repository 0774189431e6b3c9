// Test-only: a BlkQueue driven on the test thread over a real zone engine
// (temporary file), with a TestDriverQueue building requests in guest memory.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "devices/virtio/blk_protocol.h"
#include "devices/virtio/blk_queue.h"
#include "devices/virtio/testing/test_driver.h"
#include "base/le.h"
#include "zoned/test_support.h"

namespace zvmm::virtio::testing {

inline constexpr uint64_t kMiB = 1 << 20;

struct BlkRequestSpec {
  uint32_t type = 0;
  uint64_t sector = 0;
  std::vector<uint8_t> out{};  // readable payload after the header
  uint32_t in_len = 0;       // writable payload before the status/in-header
  uint32_t status_len = 1;   // 16 for a Linux-style zone append in-header
  int out_split = 1;         // number of descriptors for `out`
  int in_split = 1;
  bool indirect = false;
};

struct BlkResult {
  bool completed = false;
  uint8_t status = 0xff;
  uint32_t used_len = 0;
  std::vector<uint8_t> in;
  std::vector<uint8_t> in_header;  // the status_len bytes
};

class BlkHarness {
 public:
  BlkHarness(const zoned::ZoneGeometryConfig& geometry, uint64_t features,
             VirtioBlkOptions options = {}, VirtqueueFeatures vq_features = {.indirect = true},
             const std::string& file = "blk.img")
      : fx(geometry, file),
        config(fx.geometry, std::move(options)),
        ctx{*fx.engine, config, features, irq},
        vq_features_(vq_features) {
    make_queue();
  }

  void make_queue() {
    queue.reset();
    drv.clear();
    auto vq = Virtqueue::create(mem, drv.config(), vq_features_);
    queue = std::make_unique<BlkQueue>(ctx, 0, std::get<Virtqueue>(std::move(vq)),
                                       ctx.device.open_queue(64));
  }

  void run_until_idle() {
    queue->process_available();
    while (queue->outstanding() > 0) queue->io().wait();
    queue->notify();
  }

  static std::vector<Seg> split(uint64_t addr, uint32_t len, int parts, bool writable) {
    std::vector<Seg> segs;
    if (len == 0) return segs;
    parts = std::max(1, std::min<int>(parts, static_cast<int>(len)));
    uint32_t done = 0;
    for (int i = 0; i < parts; ++i) {
      const uint32_t n = i + 1 == parts ? len - done : len / parts;
      segs.push_back({addr + done, n, writable});
      done += n;
    }
    return segs;
  }

  BlkResult submit(const BlkRequestSpec& s) {
    const uint64_t hdr = drv.alloc(16);
    uint8_t h[16] = {};
    store_le<uint32_t>(h, 0, s.type);
    store_le<uint64_t>(h, 8, s.sector);
    drv.write(hdr, h);
    std::vector<Seg> segs{{hdr, 16, false}};
    if (!s.out.empty()) {
      const uint64_t out = drv.alloc(s.out.size());
      drv.write(out, s.out);
      for (auto& g : split(out, static_cast<uint32_t>(s.out.size()), s.out_split, false)) {
        segs.push_back(g);
      }
    }
    const uint64_t in = s.in_len ? drv.alloc(s.in_len) : 0;
    if (s.in_len) {
      drv.write(in, std::vector<uint8_t>(s.in_len, 0xee));
      for (auto& g : split(in, s.in_len, s.in_split, true)) segs.push_back(g);
    }
    const uint64_t st = drv.alloc(s.status_len);
    drv.write(st, std::vector<uint8_t>(s.status_len, 0xff));
    segs.push_back({st, s.status_len, true});
    const uint16_t used_before = drv.used_idx();
    drv.publish(drv.make_chain(segs, s.indirect));
    run_until_idle();
    BlkResult r;
    if (drv.used_idx() == used_before) return r;
    r.completed = true;
    r.used_len = drv.used(used_before).len;
    r.in_header = drv.read(st, s.status_len);
    r.status = r.in_header.back();
    if (s.in_len) r.in = drv.read(in, s.in_len);
    return r;
  }

  // Convenience wrappers.
  BlkResult write(uint64_t sector, std::vector<uint8_t> data, int split = 1) {
    return submit({.type = blk::req::kOut, .sector = sector, .out = std::move(data), .out_split = split});
  }
  BlkResult read(uint64_t sector, uint32_t len, int split = 1) {
    return submit({.type = blk::req::kIn, .sector = sector, .in_len = len, .in_split = split});
  }
  BlkResult zone_op(uint32_t type, uint64_t sector) { return submit({.type = type, .sector = sector}); }
  BlkResult append(uint64_t sector, std::vector<uint8_t> data) {
    return submit({.type = blk::req::kZoneAppend, .sector = sector, .out = std::move(data),
                   .status_len = 16});
  }
  BlkResult report(uint64_t sector, uint32_t buffer) {
    return submit({.type = blk::req::kZoneReport, .sector = sector, .in_len = buffer});
  }

  GuestMemory mem = GuestMemory::create(32 * kMiB);
  zoned::testing::EngineFixture fx;
  BlkConfig config;
  RecordingVirtioInterrupt irq;
  BlkContext ctx;
  TestDriverQueue drv{mem, 0x100000, 64, 0x400000, 16 * kMiB};
  std::unique_ptr<BlkQueue> queue;

 private:
  VirtqueueFeatures vq_features_;
};

}  // namespace zvmm::virtio::testing

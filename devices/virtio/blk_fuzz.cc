// libFuzzer target: the split virtqueue and virtio-blk request parsing, over a
// real zone engine (temporary file) and guest memory on a memfd. The input
// writes guest memory (descriptor table, indirect tables, avail ring and idx,
// used ring, request headers and payloads, zone report buffers) and kicks.
//
// Input layout:
//   byte 0: bit 0 EVENT_IDX, bit 1 INDIRECT_DESC, bit 2 plain disk (discard,
//           write zeroes) instead of host-managed zoned, bits 4-7: queue size
//           1 << (v % 9) (1..256)
//   then commands, each one byte op (op % 4):
//     0, 1  poke: u16 offset into the window [0x1000, 0x11000), u8 len, len bytes
//     2     kick: the device processes the avail ring until idle and notifies
//     3     reset: a new queue over the same rings (what a device reset amounts to)
//   and one final kick.
// Memory map (16 MiB RAM): desc 0x1000, avail 0x2000, used 0x3000, anything
// from 0x4000 up for buffers and indirect tables.
//
// Checks beyond the sanitizers: a broken queue has asked for DEVICE_NEEDS_RESET.
// (The used ring is not checked: it is guest memory the input pokes, and a
// request's data may legitimately be DMA'd over it by the device; a check of
// it reported the guest's own overwrites, e.g. regress-used-ring-poked.)
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "devices/virtio/blk_config.h"
#include "devices/virtio/blk_protocol.h"
#include "devices/virtio/blk_queue.h"
#include "devices/virtio/testing/test_driver.h"
#include "devices/virtio/virtio_constants.h"
#include "tools/fuzz/fuzz_input.h"
#include "vmm/guest_memory.h"
#include "zoned/test_support.h"

namespace zvmm::virtio {
namespace {

constexpr uint64_t kRam = 16 << 20;  // GuestMemory's minimum
constexpr uint64_t kDesc = 0x1000, kAvail = 0x2000, kUsed = 0x3000;
constexpr uint64_t kWindow = 0x1000, kWindowBytes = 0x10000;
constexpr uint64_t kMiB = 1 << 20;

zoned::ZoneGeometryConfig geometry(bool plain) {
  if (plain) return {.device_bytes = 4 * kMiB, .zone_size_bytes = kMiB, .model = zoned::ZonedModel::kNone};
  return {.device_bytes = 4 * kMiB,
          .zone_size_bytes = kMiB,
          .zone_capacity_bytes = 768 * 1024,
          .nr_conventional = 1,
          .max_open = 2,
          .max_active = 2,
          .max_append_bytes = 64 * 1024,
          .model = zoned::ZonedModel::kHostManaged};
}

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "blk_fuzz: invariant broken: %s\n", what);
  std::abort();
}

void run(fuzz::Input& in) {
  const uint8_t cfg = in.u8();
  const bool plain = cfg & 4;
  const VirtqueueFeatures vqf{.event_idx = (cfg & 1) != 0, .indirect = (cfg & 2) != 0};
  const uint16_t size = static_cast<uint16_t>(1u << ((cfg >> 4) % 9));
  const GuestMemory mem = GuestMemory::create(kRam);
  zoned::testing::EngineFixture fx(geometry(plain), "blk_fuzz-" + std::to_string(getpid()) + ".img");
  const BlkConfig config(fx.geometry, {.seg_max = 64});
  testing::RecordingVirtioInterrupt irq;
  uint64_t features = bit(feature::kVersion1) | bit(blk::feature::kFlush);
  if (vqf.event_idx) features |= bit(feature::kRingEventIdx);
  if (vqf.indirect) features |= bit(feature::kRingIndirectDesc);
  features |= plain ? bit(blk::feature::kDiscard) | bit(blk::feature::kWriteZeroes) : bit(blk::feature::kZoned);
  const BlkContext ctx{*fx.engine, config, features, irq};
  const VirtqueueConfig qc{.size = size, .desc = kDesc, .avail = kAvail, .used = kUsed};

  std::unique_ptr<BlkQueue> queue;
  auto make_queue = [&] {
    queue.reset();
    auto vq = Virtqueue::create(mem, qc, vqf);
    if (!std::holds_alternative<Virtqueue>(vq)) fail("valid rings refused");
    queue = std::make_unique<BlkQueue>(ctx, 0, std::get<Virtqueue>(std::move(vq)), ctx.device.open_queue(64));
    irq.needs_reset = false;
  };
  make_queue();
  auto kick = [&] {
    queue->process_available();
    while (queue->outstanding() > 0) queue->io().wait();
    queue->notify();
    if (queue->broken()) {
      if (!irq.needs_reset) fail("broken queue without DEVICE_NEEDS_RESET");
      make_queue();
    }
  };

  int ops = 0;
  while (!in.empty() && ops++ < 256) {
    switch (in.u8() % 4) {
      case 0:
      case 1: {
        const uint64_t off = in.u16() % kWindowBytes;
        const auto bytes = in.fixed(std::min<size_t>(in.u8(), kWindowBytes - off));
        auto dst = mem.slice(kWindow + off, bytes.size()).value();
        std::copy(bytes.begin(), bytes.end(), dst.begin());
        break;
      }
      case 2: kick(); break;
      case 3: make_queue(); break;
    }
  }
  kick();
  queue.reset();
}

}  // namespace
}  // namespace zvmm::virtio

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  zvmm::fuzz::Input in(data, size);
  zvmm::virtio::run(in);
  return 0;
}

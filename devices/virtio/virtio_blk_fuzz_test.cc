// Fuzz-style robustness test: thousands of random and malformed descriptor
// chains (random addresses including the guest-memory edge, loops, huge
// lengths, bad indirect tables, avail index jumps) driven through a zoned
// virtio-blk queue. Invariants: nothing throws or crashes, no byte outside the
// windows the chains may legitimately target changes (canaries), every
// published chain is returned exactly once unless the queue broke, and a broken
// queue always asks for DEVICE_NEEDS_RESET. Deterministic (fixed seeds).
#include <gtest/gtest.h>

#include <random>

#include "devices/virtio/blk_protocol.h"
#include "devices/virtio/testing/blk_harness.h"
#include "devices/virtio/virtio_constants.h"

namespace zvmm::virtio {
namespace {

using testing::BlkHarness;
using testing::kMiB;
using testing::Seg;

constexpr uint64_t kRam = 32 * kMiB;
constexpr uint64_t kBufStart = 0x400000, kBufEnd = 0x1400000;  // harness allocations
constexpr uint64_t kEdge = 64 * 1024;                          // [kRam - kEdge, kRam) is fair game
constexpr uint8_t kCanary = 0xc5;

struct Window {
  uint64_t start, end;
};
// Bytes no chain may point at: between the rings and the buffers, and between
// the buffers and the edge window.
constexpr Window kCanaries[] = {{0x200000, kBufStart}, {kBufEnd, kRam - kEdge}};

class Fuzzer {
 public:
  Fuzzer(BlkHarness& h, uint64_t seed) : h_(h), rng_(seed) {}

  uint64_t pick(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }
  bool chance(int percent) { return pick(100) < static_cast<uint64_t>(percent); }

  uint64_t address(uint32_t len) {
    switch (pick(10)) {
      case 0: return kRam - kEdge + pick(2 * kEdge);   // around the end of RAM
      case 1: return rng_();                          // anywhere (mostly not RAM)
      case 2: return kRam - len + pick(16);           // straddling the end
      default: return kBufStart + pick(kBufEnd - kBufStart - len);
    }
  }
  uint32_t length() {
    switch (pick(8)) {
      case 0: return static_cast<uint32_t>(rng_());      // huge
      case 1: return static_cast<uint32_t>(pick(4096));  // odd sizes
      case 2: return 0;
      default: return static_cast<uint32_t>(512 * (1 + pick(64)));
    }
  }
  uint32_t type() {
    static constexpr uint32_t kTypes[] = {0, 1, 4, 8, 11, 13, 15, 16, 18, 20, 22, 24, 26, 7, 99};
    return chance(95) ? kTypes[pick(std::size(kTypes))] : static_cast<uint32_t>(rng_());
  }
  uint64_t sector() {
    const uint64_t cap = h_.config.capacity_sectors();
    switch (pick(6)) {
      case 0: return rng_();
      case 1: return cap - pick(8);
      case 2: return pick(cap);
      default: return (pick(cap / 2048)) * 2048 + (chance(80) ? 0 : pick(2048));
    }
  }

  // A chain that looks like a request, with random defects.
  uint16_t request_chain() {
    const uint64_t hdr = h_.drv.alloc(16);
    uint8_t b[16] = {};
    store_le<uint32_t>(b, 0, type());
    store_le<uint64_t>(b, 8, sector());
    h_.drv.write(hdr, b);
    std::vector<Seg> segs{{hdr, chance(95) ? 16u : static_cast<uint32_t>(pick(16)), false}};
    const int n = static_cast<int>(pick(4));
    for (int i = 0; i < n; ++i) {
      const uint32_t len = length();
      const uint64_t addr = len < (kBufEnd - kBufStart) / 2 && chance(70) ? h_.drv.alloc(len + 1)
                                                                          : address(len);
      segs.push_back({addr, len, chance(50)});
    }
    if (chance(90)) segs.push_back({h_.drv.alloc(16), chance(80) ? 1u : 16u, true});
    if (chance(10)) std::shuffle(segs.begin(), segs.end(), rng_);
    return h_.drv.make_chain(segs, chance(30));
  }

  // Raw garbage written straight into the descriptor table (loops, bad next
  // indices, random flags, indirect tables full of noise).
  uint16_t garbage_chain() {
    const uint16_t size = h_.drv.size();
    const uint16_t head = static_cast<uint16_t>(pick(size));
    uint16_t idx = head;
    const int n = 1 + static_cast<int>(pick(6));
    for (int i = 0; i < n; ++i) {
      const uint16_t next = static_cast<uint16_t>(chance(90) ? pick(size) : rng_());
      uint16_t flags = static_cast<uint16_t>(pick(8));
      uint32_t len = length();
      uint64_t addr = address(len);
      if (flags & desc_flags::kIndirect && chance(70)) {
        // An indirect table of random descriptors.
        const uint32_t entries = 1 + static_cast<uint32_t>(pick(8));
        addr = h_.drv.alloc(16 * entries);
        for (uint32_t e = 0; e < entries; ++e) {
          std::vector<uint8_t> d(16);
          const uint32_t l = length();
          store_le<uint64_t>(d, 0, address(l));
          store_le<uint32_t>(d, 8, l);
          store_le<uint16_t>(d, 12, static_cast<uint16_t>(pick(8)));
          store_le<uint16_t>(d, 14, static_cast<uint16_t>(pick(entries + 1)));
          h_.drv.write(addr + 16 * e, d);
        }
        len = chance(80) ? 16 * entries : static_cast<uint32_t>(pick(200));
      }
      h_.drv.set_desc(idx, addr, len, flags, next);
      idx = next % size;
    }
    return head;
  }

  void run(int iterations) {
    for (int it = 0; it < iterations; ++it) {
      SCOPED_TRACE("iteration " + std::to_string(it));
      const uint16_t used_before = h_.drv.used_idx();
      int published = 0;
      bool expect_broken = false;
      if (chance(3)) {
        // Jump avail idx by more than the queue size.
        h_.drv.set_avail_idx(static_cast<uint16_t>(h_.drv.avail_idx() + h_.drv.size() + 1 +
                                                   pick(60000)));
        expect_broken = true;
      } else {
        const int batch = 1 + static_cast<int>(pick(4));
        for (int i = 0; i < batch; ++i) {
          h_.drv.publish(chance(60) ? request_chain() : garbage_chain());
          ++published;
        }
      }
      try {
        h_.run_until_idle();
      } catch (const std::exception& e) {
        FAIL() << "exception escaped: " << e.what();
      }
      if (h_.queue->broken()) {
        ASSERT_TRUE(h_.irq.needs_reset.load());
        h_.irq.needs_reset = false;
        h_.make_queue();  // what the driver's reset amounts to
        ++resets_;
        continue;
      }
      ASSERT_FALSE(expect_broken);
      ASSERT_EQ(static_cast<uint16_t>(h_.drv.used_idx() - used_before), published);
      for (int i = 0; i < published; ++i) {
        const auto u = h_.drv.used(static_cast<uint16_t>(used_before + i));
        ASSERT_LT(u.id, h_.drv.size());
      }
      completed_ += published;
      if (it % 250 == 0) check_canaries();
    }
    check_canaries();
  }

  void check_canaries() {
    for (const Window& w : kCanaries) {
      auto s = h_.mem.slice(w.start, w.end - w.start);
      ASSERT_TRUE(s.has_value());
      const auto bad = std::find_if(s->begin(), s->end(), [](uint8_t b) { return b != kCanary; });
      ASSERT_EQ(bad, s->end()) << "canary overwritten at " << std::hex
                               << w.start + (bad - s->begin());
    }
  }

  int resets_ = 0;
  int completed_ = 0;

 private:
  BlkHarness& h_;
  std::mt19937_64 rng_;
};

void fill_canaries(const GuestMemory& mem) {
  for (const Window& w : kCanaries) {
    auto s = mem.slice(w.start, w.end - w.start);
    std::fill(s->begin(), s->end(), kCanary);
  }
}

zoned::ZoneGeometryConfig geometry() {
  return {.device_bytes = 16 * kMiB,
          .zone_size_bytes = kMiB,
          .zone_capacity_bytes = 768 * 1024,
          .nr_conventional = 2,
          .max_open = 3,
          .max_active = 4,
          .model = zoned::ZonedModel::kHostManaged};
}

class BlkFuzzTest : public ::testing::TestWithParam<bool> {};

TEST_P(BlkFuzzTest, RandomChainsNeverEscapeGuestMemory) {
  const bool event_idx = GetParam();
  BlkHarness h(geometry(), bit(feature::kVersion1) | bit(blk::feature::kZoned), {.seg_max = 64},
               {.event_idx = event_idx, .indirect = true}, "fuzz.img");
  ASSERT_EQ(h.mem.ram_bytes(), kRam);
  fill_canaries(h.mem);
  Fuzzer f(h, event_idx ? 0x5eed0001 : 0x5eed0002);
  f.run(4000);
  EXPECT_GT(f.completed_, 5000);
  EXPECT_GT(f.resets_, 10);
}

TEST_P(BlkFuzzTest, PlainDiskRandomChains) {
  const bool event_idx = GetParam();
  BlkHarness h({.device_bytes = 16 * kMiB, .zone_size_bytes = kMiB, .model = zoned::ZonedModel::kNone},
               bit(feature::kVersion1) | bit(blk::feature::kDiscard) | bit(blk::feature::kWriteZeroes),
               {.seg_max = 64}, {.event_idx = event_idx, .indirect = true}, "fuzz-plain.img");
  fill_canaries(h.mem);
  Fuzzer f(h, event_idx ? 0xfeed0001 : 0xfeed0002);
  f.run(2000);
}

INSTANTIATE_TEST_SUITE_P(EventIdx, BlkFuzzTest, ::testing::Bool());

}  // namespace
}  // namespace zvmm::virtio

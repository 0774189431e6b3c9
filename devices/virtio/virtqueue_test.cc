#include "devices/virtio/virtqueue.h"

#include <gtest/gtest.h>

#include "devices/virtio/testing/test_driver.h"
#include "devices/virtio/virtio_constants.h"

namespace zvmm::virtio {
namespace {

using testing::Seg;
using testing::TestDriverQueue;

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kRam = 16 * kMiB;
constexpr uint16_t kSize = 8;
constexpr uint64_t kRing = 0x100000;
constexpr uint64_t kBuffers = 0x200000;

class VirtqueueTest : public ::testing::Test {
 protected:
  Virtqueue make(VirtqueueFeatures f = {}) {
    auto vq = Virtqueue::create(mem_, drv_.config(), f);
    EXPECT_TRUE(std::holds_alternative<Virtqueue>(vq));
    return std::get<Virtqueue>(std::move(vq));
  }
  static DescriptorChain chain(Virtqueue::PopResult r) {
    EXPECT_TRUE(std::holds_alternative<DescriptorChain>(r)) << r.index();
    return std::get<DescriptorChain>(std::move(r));
  }
  static ChainError bad(Virtqueue::PopResult r) {
    EXPECT_TRUE(std::holds_alternative<Virtqueue::BadChain>(r)) << r.index();
    return std::get<Virtqueue::BadChain>(r).error;
  }

  GuestMemory mem_ = GuestMemory::create(kRam);
  TestDriverQueue drv_{mem_, kRing, kSize, kBuffers, kMiB};
};

TEST_F(VirtqueueTest, CreateValidatesConfiguration) {
  auto cfg = drv_.config();
  auto try_cfg = [&](VirtqueueConfig c) {
    return std::holds_alternative<std::string>(Virtqueue::create(mem_, c, {}));
  };
  EXPECT_FALSE(try_cfg(cfg));
  EXPECT_TRUE(try_cfg({6, cfg.desc, cfg.avail, cfg.used}));           // not a power of two
  EXPECT_TRUE(try_cfg({0, cfg.desc, cfg.avail, cfg.used}));
  EXPECT_TRUE(try_cfg({kSize, cfg.desc + 8, cfg.avail, cfg.used}));   // desc misaligned
  EXPECT_TRUE(try_cfg({kSize, cfg.desc, cfg.avail + 1, cfg.used}));   // avail misaligned
  EXPECT_TRUE(try_cfg({kSize, cfg.desc, cfg.avail, cfg.used + 2}));   // used misaligned
  EXPECT_TRUE(try_cfg({kSize, kRam - 64, cfg.avail, cfg.used}));      // desc beyond RAM
  EXPECT_TRUE(try_cfg({kSize, cfg.desc, cfg.avail, kRam - 16}));      // used crosses the end
  EXPECT_TRUE(try_cfg({kSize, cfg.desc, ~0ull - 1, cfg.used}));       // overflow
}

TEST_F(VirtqueueTest, PopsAChainWithReadableThenWritableParts) {
  Virtqueue vq = make();
  EXPECT_TRUE(std::holds_alternative<Virtqueue::Empty>(vq.pop()));
  const uint64_t a = drv_.alloc(16), b = drv_.alloc(100), c = drv_.alloc(1);
  drv_.write(a, std::vector<uint8_t>(16, 0xaa));
  drv_.publish(drv_.make_chain({{a, 16, false}, {b, 100, true}, {c, 1, true}}));
  DescriptorChain ch = chain(vq.pop());
  EXPECT_EQ(ch.head(), 0);
  EXPECT_EQ(ch.readable_bytes(), 16u);
  EXPECT_EQ(ch.writable_bytes(), 101u);
  ASSERT_EQ(ch.readable().size(), 1u);
  EXPECT_EQ(ch.readable()[0][3], 0xaa);
  EXPECT_TRUE(std::holds_alternative<Virtqueue::Empty>(vq.pop()));
  EXPECT_EQ(vq.last_avail_idx(), 1);
}

TEST_F(VirtqueueTest, ChainReadWriteCrossSegments) {
  Virtqueue vq = make();
  const uint64_t a = drv_.alloc(3), b = drv_.alloc(5), w1 = drv_.alloc(4), w2 = drv_.alloc(4);
  drv_.write(a, std::vector<uint8_t>{1, 2, 3});
  drv_.write(b, std::vector<uint8_t>{4, 5, 6, 7, 8});
  drv_.publish(drv_.make_chain({{a, 3, false}, {b, 5, false}, {w1, 4, true}, {w2, 4, true}}));
  DescriptorChain ch = chain(vq.pop());
  std::vector<uint8_t> out(6);
  EXPECT_EQ(ch.read(1, out), 6u);
  EXPECT_EQ(out, (std::vector<uint8_t>{2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(ch.read(7, out), 1u);  // short at the end
  EXPECT_TRUE(ch.readable_span(3, 5).has_value());
  EXPECT_FALSE(ch.readable_span(2, 2).has_value());  // spans two segments
  const std::vector<uint8_t> in{9, 9, 9, 9, 9, 9};
  EXPECT_EQ(ch.write(1, in), 6u);
  EXPECT_EQ(drv_.read(w1, 4), (std::vector<uint8_t>{0, 9, 9, 9}));
  EXPECT_EQ(drv_.read(w2, 4), (std::vector<uint8_t>{9, 9, 9, 0}));
  EXPECT_EQ(ch.write(7, in), 1u);
}

TEST_F(VirtqueueTest, IndirectChain) {
  Virtqueue vq = make({.indirect = true});
  const uint64_t a = drv_.alloc(16), b = drv_.alloc(512), c = drv_.alloc(1);
  drv_.publish(drv_.make_chain({{a, 16, false}, {b, 512, true}, {c, 1, true}}, true));
  DescriptorChain ch = chain(vq.pop());
  EXPECT_EQ(ch.readable_bytes(), 16u);
  EXPECT_EQ(ch.writable_bytes(), 513u);
}

TEST_F(VirtqueueTest, IndirectRequiresTheFeature) {
  Virtqueue vq = make();
  drv_.publish(drv_.make_chain({{drv_.alloc(16), 16, false}}, true));
  EXPECT_EQ(bad(vq.pop()), ChainError::kIndirectNotNegotiated);
}

TEST_F(VirtqueueTest, MalformedIndirectTables) {
  Virtqueue vq = make({.indirect = true});
  const uint64_t table = drv_.alloc(64);
  // Nested indirect.
  mem_.write_le<uint64_t>(table, drv_.alloc(32));
  mem_.write_le<uint32_t>(table + 8, 32);
  mem_.write_le<uint16_t>(table + 12, desc_flags::kIndirect);
  drv_.set_desc(0, table, 16, desc_flags::kIndirect, 0);
  drv_.publish(0);
  EXPECT_EQ(bad(vq.pop()), ChainError::kNestedIndirect);
  // Length not a multiple of 16, zero, too large.
  drv_.set_desc(1, table, 24, desc_flags::kIndirect, 0);
  drv_.publish(1);
  EXPECT_EQ(bad(vq.pop()), ChainError::kIndirectBadLength);
  drv_.set_desc(2, table, 0, desc_flags::kIndirect, 0);
  drv_.publish(2);
  EXPECT_EQ(bad(vq.pop()), ChainError::kIndirectBadLength);
  drv_.set_desc(3, table, 16 * 4096, desc_flags::kIndirect, 0);
  drv_.publish(3);
  EXPECT_EQ(bad(vq.pop()), ChainError::kIndirectBadLength);
  // Outside guest memory.
  drv_.set_desc(4, kRam - 16, 32, desc_flags::kIndirect, 0);
  drv_.publish(4);
  EXPECT_EQ(bad(vq.pop()), ChainError::kIndirectBadAddress);
  // INDIRECT with NEXT.
  drv_.set_desc(5, table, 16, desc_flags::kIndirect | desc_flags::kNext, 6);
  drv_.publish(5);
  EXPECT_EQ(bad(vq.pop()), ChainError::kIndirectWithNext);
  // A loop inside the indirect table.
  mem_.write_le<uint64_t>(table, drv_.alloc(8));
  mem_.write_le<uint32_t>(table + 8, 8);
  mem_.write_le<uint16_t>(table + 12, desc_flags::kNext);
  mem_.write_le<uint16_t>(table + 14, 0);
  drv_.set_desc(6, table, 16, desc_flags::kIndirect, 0);
  drv_.publish(6);
  EXPECT_EQ(bad(vq.pop()), ChainError::kTooLong);
  // The queue itself is still fine.
  EXPECT_FALSE(vq.broken());
}

TEST_F(VirtqueueTest, LoopsAndBadIndices) {
  Virtqueue vq = make();
  const uint64_t buf = drv_.alloc(8);
  drv_.set_desc(0, buf, 8, desc_flags::kNext, 1);
  drv_.set_desc(1, buf, 8, desc_flags::kNext, 0);
  drv_.publish(0);
  EXPECT_EQ(bad(vq.pop()), ChainError::kTooLong);
  drv_.set_desc(2, buf, 8, desc_flags::kNext, 2);  // self loop
  drv_.publish(2);
  EXPECT_EQ(bad(vq.pop()), ChainError::kTooLong);
  drv_.set_desc(3, buf, 8, desc_flags::kNext, kSize);  // next out of range
  drv_.publish(3);
  EXPECT_EQ(bad(vq.pop()), ChainError::kNextOutOfRange);
}

TEST_F(VirtqueueTest, ChainOfExactlyQueueSizeIsAccepted) {
  Virtqueue vq = make();
  std::vector<Seg> segs;
  for (int i = 0; i < kSize; ++i) segs.push_back({drv_.alloc(4), 4, i == kSize - 1});
  drv_.publish(drv_.make_chain(segs));
  EXPECT_EQ(chain(vq.pop()).readable().size(), kSize - 1u);
}

TEST_F(VirtqueueTest, AddressesAtTheGuestMemoryEdge) {
  Virtqueue vq = make();
  drv_.set_desc(0, kRam - 8, 8, 0, 0);  // last 8 bytes: fine
  drv_.publish(0);
  EXPECT_EQ(chain(vq.pop()).readable_bytes(), 8u);
  drv_.set_desc(1, kRam - 8, 9, 0, 0);  // one byte beyond
  drv_.publish(1);
  EXPECT_EQ(bad(vq.pop()), ChainError::kBadAddress);
  drv_.set_desc(2, ~0ull - 3, 8, desc_flags::kWrite, 0);  // wraps around
  drv_.publish(2);
  EXPECT_EQ(bad(vq.pop()), ChainError::kBadAddress);
  drv_.set_desc(3, 0x1000, 0xffffffffu, 0, 0);  // huge length
  drv_.publish(3);
  EXPECT_EQ(bad(vq.pop()), ChainError::kBadAddress);
}

TEST_F(VirtqueueTest, ReadableAfterWritableIsRefused) {
  Virtqueue vq = make();
  drv_.publish(drv_.make_chain({{drv_.alloc(4), 4, true}, {drv_.alloc(4), 4, false}}));
  EXPECT_EQ(bad(vq.pop()), ChainError::kReadableAfterWritable);
}

TEST_F(VirtqueueTest, AvailIndexJumpBreaksTheQueue) {
  Virtqueue vq = make();
  drv_.set_avail_idx(kSize + 1);
  EXPECT_TRUE(std::holds_alternative<Virtqueue::Broken>(vq.pop()));
  EXPECT_TRUE(vq.broken());
  drv_.set_avail_idx(0);
  EXPECT_TRUE(std::holds_alternative<Virtqueue::Broken>(vq.pop()));  // stays broken
}

TEST_F(VirtqueueTest, HeadOutOfRangeBreaksTheQueue) {
  Virtqueue vq = make();
  drv_.publish(kSize);
  EXPECT_TRUE(std::holds_alternative<Virtqueue::Broken>(vq.pop()));
}

TEST_F(VirtqueueTest, UsedRingAndIndexWrap) {
  Virtqueue vq = make();
  for (int round = 0; round < 3 * kSize; ++round) {
    drv_.publish(drv_.make_chain({{drv_.alloc(4), 4, true}}));
    DescriptorChain ch = chain(vq.pop());
    vq.add_used(ch.head(), 4);
    EXPECT_EQ(drv_.used_idx(), round + 1);
    EXPECT_EQ(drv_.used(round).id, ch.head());
    EXPECT_EQ(drv_.used(round).len, 4u);
  }
}

TEST_F(VirtqueueTest, NoInterruptFlagWithoutEventIdx) {
  Virtqueue vq = make();
  EXPECT_FALSE(vq.needs_interrupt());  // nothing used yet
  drv_.publish(drv_.make_chain({{drv_.alloc(4), 4, true}}));
  vq.add_used(chain(vq.pop()).head(), 0);
  EXPECT_TRUE(vq.needs_interrupt());
  EXPECT_FALSE(vq.needs_interrupt());  // nothing new
  drv_.set_avail_flags(kAvailFlagNoInterrupt);
  drv_.publish(drv_.make_chain({{drv_.alloc(4), 4, true}}));
  vq.add_used(chain(vq.pop()).head(), 0);
  EXPECT_FALSE(vq.needs_interrupt());
}

TEST_F(VirtqueueTest, EventIdx) {
  Virtqueue vq = make({.event_idx = true});
  // The driver wants an interrupt once used idx passes 1 (i.e. after the 2nd).
  drv_.set_used_event(1);
  for (int i = 0; i < 3; ++i) drv_.publish(drv_.make_chain({{drv_.alloc(4), 4, true}}));
  vq.add_used(chain(vq.pop()).head(), 0);  // used idx 1
  EXPECT_EQ(drv_.avail_event(), 0);         // pop() leaves avail_event: no kicks while busy
  EXPECT_FALSE(vq.needs_interrupt());
  vq.add_used(chain(vq.pop()).head(), 0);  // used idx 2: crossed used_event
  EXPECT_TRUE(vq.needs_interrupt());
  vq.add_used(chain(vq.pop()).head(), 0);  // used idx 3
  EXPECT_FALSE(vq.needs_interrupt());      // used_event still 1
  drv_.set_used_event(3);
  // enable_notification publishes avail_event and sees nothing pending.
  EXPECT_FALSE(vq.enable_notification());
  EXPECT_EQ(drv_.avail_event(), 3);
  drv_.publish(drv_.make_chain({{drv_.alloc(4), 4, true}}));
  EXPECT_TRUE(vq.enable_notification());  // raced with a new buffer
}

TEST_F(VirtqueueTest, PopIntoAReusedChainReplacesItsContents) {
  Virtqueue vq = make({.indirect = true});
  const uint64_t a = drv_.alloc(16), b = drv_.alloc(4096), c = drv_.alloc(1);
  drv_.publish(drv_.make_chain({{a, 16, false}, {b, 2048, false}, {b + 2048, 2048, false}, {c, 1, true}}, true));
  drv_.publish(drv_.make_chain({{a, 16, false}, {b, 4096, true}, {c, 1, true}}));
  DescriptorChain chain;
  ASSERT_TRUE(std::holds_alternative<Virtqueue::Popped>(vq.pop(chain)));
  EXPECT_EQ(chain.head(), 0);
  EXPECT_EQ(chain.readable().size(), 3u);
  EXPECT_EQ(chain.readable_bytes(), 16u + 4096u);
  EXPECT_EQ(chain.writable_bytes(), 1u);
  ASSERT_TRUE(std::holds_alternative<Virtqueue::Popped>(vq.pop(chain)));
  EXPECT_EQ(chain.head(), 1);
  ASSERT_EQ(chain.readable().size(), 1u);
  EXPECT_EQ(chain.readable_bytes(), 16u);
  ASSERT_EQ(chain.writable().size(), 2u);
  EXPECT_EQ(chain.writable_bytes(), 4097u);
  EXPECT_EQ(chain.writable()[0].data(), mem_.slice(b, 4096)->data());
  EXPECT_TRUE(std::holds_alternative<Virtqueue::Empty>(vq.pop(chain)));
}

TEST(VringNeedEvent, MatchesTheSpecFormula) {
  EXPECT_TRUE(vring_need_event(0, 1, 0));
  EXPECT_FALSE(vring_need_event(1, 1, 0));
  EXPECT_TRUE(vring_need_event(1, 2, 0));
  EXPECT_TRUE(vring_need_event(0xffff, 0, 0xfffe));  // wrap
  EXPECT_FALSE(vring_need_event(5, 3, 1));
}

}  // namespace
}  // namespace zvmm::virtio

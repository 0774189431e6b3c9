#include "devices/nvme/queue_ring.h"

#include <gtest/gtest.h>

#include "vmm/guest_memory.h"
#include "vmm/layout.h"

namespace zvmm::nvme {
namespace {

using layout::MiB;

constexpr uint64_t kRing = 1 * MiB;  // guest-physical address of the SQ

// pending(): the entries between head and tail, across the ring's wrap
// (NVMe 2.0 base spec, 3.3.1: the queue is full at tail = head - 1).
TEST(SubmissionQueueTest, PendingCountsAcrossTheWrap) {
  GuestMemory mem = GuestMemory::create(16 * MiB);
  auto sq = SubmissionQueue::create(mem, 1, kRing, 8);
  ASSERT_TRUE(sq);
  EXPECT_EQ(sq->pending(), 0u);
  EXPECT_TRUE(sq->empty());
  ASSERT_TRUE(sq->set_tail(7));  // full: 7 of 8 slots
  EXPECT_EQ(sq->pending(), 7u);
  for (int i = 0; i < 6; ++i) sq->pop();
  EXPECT_EQ(sq->head(), 6u);
  EXPECT_EQ(sq->pending(), 1u);
  ASSERT_TRUE(sq->set_tail(3));  // wrapped: slots 6, 7, 0, 1, 2
  EXPECT_EQ(sq->pending(), 5u);
  sq->pop();
  sq->pop();
  EXPECT_EQ(sq->head(), 0u);
  EXPECT_EQ(sq->pending(), 3u);
  EXPECT_FALSE(sq->set_tail(8)) << "a tail >= entries is an invalid doorbell write";
  EXPECT_EQ(sq->pending(), 3u) << "and changes nothing";
}

}  // namespace
}  // namespace zvmm::nvme

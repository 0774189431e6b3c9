#include "block/null_backend.h"

#include <gtest/gtest.h>

namespace zvmm::block {
namespace {

TEST(NullBackend, StoresNothingAndReadsZeros) {
  NullBackend null(1 << 20);
  EXPECT_EQ(null.size_bytes(), 1u << 20);
  std::vector<uint8_t> data(4096, 0x5A), buf(4096, 0xAA);
  EXPECT_EQ(null.write(0, data), 4096);
  EXPECT_EQ(null.read(0, buf), 4096);
  for (uint8_t b : buf) ASSERT_EQ(b, 0);
  EXPECT_EQ(null.write(1 << 20, data), -EINVAL);
  EXPECT_EQ(null.flush(), 0);
  EXPECT_EQ(null.discard(0, 4096), 0);
}

TEST(NullBackend, QueueCompletesAtDrain) {
  NullBackend null(1 << 20);
  auto q = null.create_queue(8);
  std::vector<uint8_t> data(4096, 1), buf(4096, 0xAA);
  int done = 0;
  const OneSegment sd(data), sb(buf);
  q->submit_writev(0, sd, [&](int64_t r) { EXPECT_EQ(r, 4096); ++done; });
  q->submit_readv(0, sb, [&](int64_t r) { EXPECT_EQ(r, 4096); ++done; });
  q->submit_flush([&](int64_t r) { EXPECT_EQ(r, 0); ++done; });
  EXPECT_EQ(done, 0);  // never from inside submit
  while (done < 3) q->wait_completions();
  for (uint8_t b : buf) ASSERT_EQ(b, 0);
}

}  // namespace
}  // namespace zvmm::block

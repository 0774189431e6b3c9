#include "block/io_vecs.h"

#include <gtest/gtest.h>

namespace zvmm::block {
namespace {

TEST(IoVecs, SliceAndZeroAcrossSegments) {
  uint8_t a[4], b[8], c[4];
  std::fill(std::begin(a), std::end(a), 1);
  std::fill(std::begin(b), std::end(b), 2);
  std::fill(std::begin(c), std::end(c), 3);
  const std::vector<iovec> v{{a, 4}, {b, 8}, {c, 4}};
  EXPECT_EQ(total_bytes(v), 16u);

  std::vector<iovec> out;
  slice(v, 2, 12, out);  // a[2..4), b, c[0..2)
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].iov_base, a + 2);
  EXPECT_EQ(out[0].iov_len, 2u);
  EXPECT_EQ(out[1].iov_base, b);
  EXPECT_EQ(out[1].iov_len, 8u);
  EXPECT_EQ(out[2].iov_base, c);
  EXPECT_EQ(out[2].iov_len, 2u);
  out.clear();
  slice(v, 4, 100, out);  // clipped at the end
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(total_bytes(out), 12u);
  out.clear();
  slice(v, 16, 4, out);
  EXPECT_TRUE(out.empty());

  zero(v, 3, 6);  // a[3], b[0..5)
  EXPECT_EQ(a[2], 1);
  EXPECT_EQ(a[3], 0);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(b[i], 0) << i;
  EXPECT_EQ(b[5], 2);
  EXPECT_EQ(c[0], 3);
}

TEST(IoVecs, CopyFromAndToFollowSegmentOrder) {
  std::vector<uint8_t> a(3), b(5);
  const std::vector<iovec> v{{a.data(), a.size()}, {b.data(), b.size()}};
  const std::vector<uint8_t> src{1, 2, 3, 4, 5, 6, 7, 8};
  copy_to(v, src);
  EXPECT_EQ(a, (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_EQ(b, (std::vector<uint8_t>{4, 5, 6, 7, 8}));
  std::vector<uint8_t> dst(8, 0);
  copy_from(v, dst);
  EXPECT_EQ(dst, src);
  std::vector<uint8_t> part(4, 0);  // shorter destination: only what fits
  copy_from(v, part);
  EXPECT_EQ(part, (std::vector<uint8_t>{1, 2, 3, 4}));
}

}  // namespace
}  // namespace zvmm::block

TEST(IoVecs, CopyToZeroPaddedFillsTheRestWithZeros) {
  std::vector<uint8_t> a(3, 0xee), b(5, 0xee);
  const std::vector<iovec> v = {{a.data(), a.size()}, {b.data(), b.size()}};
  const std::vector<uint8_t> src = {1, 2, 3, 4};
  zvmm::block::copy_to_zero_padded(v, src);
  EXPECT_EQ(a, (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_EQ(b, (std::vector<uint8_t>{4, 0, 0, 0, 0}));
  // A source longer than the segments fills them and no more.
  const std::vector<uint8_t> big(20, 7);
  zvmm::block::copy_to_zero_padded(v, big);
  EXPECT_EQ(a, (std::vector<uint8_t>(3, 7)));
  EXPECT_EQ(b, (std::vector<uint8_t>(5, 7)));
}

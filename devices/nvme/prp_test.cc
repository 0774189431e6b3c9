#include "devices/nvme/prp.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "devices/nvme/testing/prp_builder.h"
#include "vmm/layout.h"

namespace zvmm::nvme {
namespace {

using layout::GiB;
using layout::KiB;
using layout::MiB;
using testing::build_linux_prps;
using testing::DmaSegment;
using testing::host_segments;

constexpr uint64_t kPage = kMemoryPageSize;
constexpr uint64_t kRam = 32 * MiB;

::testing::AssertionResult same_segments(const std::vector<iovec>& got,
                                         const std::vector<iovec>& want) {
  if (got.size() != want.size()) {
    return ::testing::AssertionFailure()
           << got.size() << " segments, expected " << want.size();
  }
  for (size_t i = 0; i < got.size(); ++i) {
    if (got[i].iov_base != want[i].iov_base || got[i].iov_len != want[i].iov_len) {
      return ::testing::AssertionFailure()
             << "segment " << i << ": " << got[i].iov_base << "+" << got[i].iov_len
             << ", expected " << want[i].iov_base << "+" << want[i].iov_len;
    }
  }
  return ::testing::AssertionSuccess();
}

uint64_t total(const std::vector<iovec>& v) {
  uint64_t n = 0;
  for (const iovec& s : v) n += s.iov_len;
  return n;
}

class PrpTest : public ::testing::Test {
 protected:
  std::optional<PrpError> map(uint64_t prp1, uint64_t prp2, uint64_t len, uint8_t mdts = 7) {
    return map_prps(mem_, {.prp1 = prp1, .prp2 = prp2, .length = len}, PrpLimits(mdts), out_);
  }
  std::optional<PrpError> map(const PrpDataPointer& d, uint8_t mdts) {
    return map_prps(mem_, d, PrpLimits(mdts), out_);
  }
  void write_list(uint64_t gpa, const std::vector<uint64_t>& entries) {
    for (size_t i = 0; i < entries.size(); ++i) {
      ASSERT_TRUE(mem_.write_le<uint64_t>(gpa + 8 * i, entries[i]));
    }
  }
  std::vector<iovec> expect(std::vector<DmaSegment> ranges) { return host_segments(mem_, ranges); }
  void expect_error(const std::optional<PrpError>& e, GenericStatus status, uint64_t value) {
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->status, status) << e->describe();
    EXPECT_EQ(e->value, value) << e->describe();
    EXPECT_TRUE(out_.empty());
  }

  GuestMemory mem_ = GuestMemory::create(kRam);
  std::vector<iovec> out_;
};

// --- Shapes that succeed -------------------------------------------------------------

TEST_F(PrpTest, ZeroLengthMapsNothingAndLooksAtNoPointer) {
  out_.push_back({nullptr, 1});  // stale contents are dropped
  EXPECT_FALSE(map(0x3, ~0ull, 0));  // PRP1 misaligned and PRP2 garbage: not read
  EXPECT_TRUE(out_.empty());
}

TEST_F(PrpTest, OnePageWithoutOffset) {
  ASSERT_FALSE(map(0x200000, 0xdead'beef'0003, kPage));  // PRP2 unused, not checked
  EXPECT_TRUE(same_segments(out_, expect({{0x200000, kPage}})));
}

TEST_F(PrpTest, OnePageWithOffset) {
  ASSERT_FALSE(map(0x200234, 0, kPage - 0x234));  // to the end of PRP1's page
  EXPECT_TRUE(same_segments(out_, expect({{0x200234, kPage - 0x234}})));
  ASSERT_FALSE(map(0x200234, 0, 512));  // inside the page
  EXPECT_TRUE(same_segments(out_, expect({{0x200234, 512}})));
}

TEST_F(PrpTest, TwoPagesThroughPrp2) {
  // PRP1 at an offset, the rest in PRP2's page (not adjacent: two segments).
  ASSERT_FALSE(map(0x200800, 0x300000, kPage));
  EXPECT_TRUE(same_segments(out_, expect({{0x200800, 2048}, {0x300000, 2048}})));
  EXPECT_EQ(out_.size(), 2u);
  // Two whole pages.
  ASSERT_FALSE(map(0x200000, 0x300000, 2 * kPage));
  EXPECT_TRUE(same_segments(out_, expect({{0x200000, kPage}, {0x300000, kPage}})));
  // PRP2 continues PRP1's page: one merged segment.
  ASSERT_FALSE(map(0x200800, 0x201000, kPage + 100));
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_TRUE(same_segments(out_, expect({{0x200800, kPage + 100}})));
}

TEST_F(PrpTest, ListWithOffsetFromLinuxSmallPool) {
  // 21 pages after PRP1: a list of <= 32 entries in a 256-byte chunk at offset
  // 0x300 of its page; scattered data pages, a partial last one.
  std::vector<DmaSegment> segs{{0x200100, kPage - 0x100}};
  for (uint64_t k = 0; k < 20; ++k) segs.push_back({0x400000 + 2 * k * kPage, kPage});
  segs.push_back({0x600000, 512});
  const uint64_t lists[] = {0x700000};
  const PrpDataPointer d = build_linux_prps(mem_, segs, lists, 0x300);
  EXPECT_EQ(d.prp1, 0x200100u);
  EXPECT_EQ(d.prp2, 0x700300u);
  ASSERT_FALSE(map(d, 7));
  EXPECT_TRUE(same_segments(out_, expect(segs)));
  EXPECT_EQ(out_.size(), 22u);
  EXPECT_EQ(total(out_), d.length);
}

TEST_F(PrpTest, PhysicallyContiguousListIsOneSegment) {
  const std::vector<DmaSegment> segs{{0x200100, 20 * kPage}};
  const uint64_t lists[] = {0x700000};
  const PrpDataPointer d = build_linux_prps(mem_, segs, lists, 0xf00);
  EXPECT_EQ(d.prp2, 0x700f00u);
  ASSERT_FALSE(map(d, 7));
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_TRUE(same_segments(out_, expect(segs)));
}

TEST_F(PrpTest, ListThatFillsExactlyOnePage) {
  // PRP1 + 512 pages: the page list's 512 slots are all data (slot 511 is not
  // a chain pointer because nothing follows it).
  std::vector<DmaSegment> segs{{0x100000, kPage}};
  for (uint64_t k = 0; k < 512; ++k) segs.push_back({0xa00000 + (511 - k) * kPage, kPage});
  const uint64_t lists[] = {0x800000, 0x801000};
  const PrpDataPointer d = build_linux_prps(mem_, segs, lists);
  EXPECT_EQ(d.prp2, 0x800000u);
  EXPECT_EQ(mem_.read_le<uint64_t>(0x800000 + 8 * 511), 0xa00000u);  // data, not a chain
  ASSERT_FALSE(map(d, 10));
  EXPECT_TRUE(same_segments(out_, expect(segs)));
  EXPECT_EQ(out_.size(), 513u);

  // The same with a list at offset 0x800 (256 slots) and 256 pages.
  std::vector<DmaSegment> half(segs.begin(), segs.begin() + 257);
  std::vector<uint64_t> entries;
  for (size_t k = 1; k < half.size(); ++k) entries.push_back(half[k].gpa);
  write_list(0x802800, entries);
  ASSERT_FALSE(map(0x100000, 0x802800, 257 * kPage, 10));
  EXPECT_TRUE(same_segments(out_, expect(half)));
}

TEST_F(PrpTest, ChainedListPagesAsLinuxBuildsThem) {
  // 1100 whole pages and a 1000-byte tail after a PRP1 at offset 0x40:
  // 1101 entries = 511 + 511 + 79 over three list pages, each full page's
  // slot 511 pointing to the next. Data in 3-page runs (merged) with gaps.
  std::vector<DmaSegment> segs{{0x100040, kPage - 0x40}};
  const uint64_t base = 0x1000000;
  for (uint64_t run = 0; run * 3 < 1100; ++run) {
    const uint64_t pages = std::min<uint64_t>(3, 1100 - run * 3);
    segs.push_back({base + run * 4 * kPage, pages * kPage});
  }
  segs.push_back({0x180000, 1000});
  const uint64_t lists[] = {0x300000, 0x7000, kRam - kPage};
  const PrpDataPointer d = build_linux_prps(mem_, segs, lists);
  EXPECT_EQ(d.length, kPage - 0x40 + 1100 * kPage + 1000);
  EXPECT_EQ(d.prp2, 0x300000u);
  EXPECT_EQ(mem_.read_le<uint64_t>(0x300000 + 8 * 511), 0x7000u);
  EXPECT_EQ(mem_.read_le<uint64_t>(0x7000 + 8 * 511), kRam - kPage);
  EXPECT_EQ(mem_.read_le<uint64_t>(0x7000), base + (511 + 511 / 3) * kPage);  // the displaced entry

  ASSERT_FALSE(map(d, 11));
  EXPECT_TRUE(same_segments(out_, expect(segs)));
  EXPECT_EQ(total(out_), d.length);
  EXPECT_EQ(out_.size(), 1 + 367 + 1u);  // PRP1's page, 367 runs, the tail
}

TEST_F(PrpTest, ChainFromAListWithAnOffset) {
  // Not what Linux builds, but section 4.1.1 allows it: a first list of 32
  // slots at offset 0xf00 whose last slot chains to a page list.
  std::vector<DmaSegment> segs{{0x100000, kPage}};
  std::vector<uint64_t> first, second;
  for (uint64_t k = 0; k < 40; ++k) {
    segs.push_back({0x400000 + 2 * k * kPage, kPage});
    (k < 31 ? first : second).push_back(segs.back().gpa);
  }
  first.push_back(0x600000);  // slot 31: the chain pointer
  write_list(0x500f00, first);
  write_list(0x600000, second);
  ASSERT_FALSE(map(0x100000, 0x500f00, 41 * kPage));
  EXPECT_TRUE(same_segments(out_, expect(segs)));

  // One slot (offset 0xff8): the list is only a chain pointer.
  ASSERT_TRUE(mem_.write_le<uint64_t>(0x500ff8, 0x600000));
  std::vector<DmaSegment> short_segs(segs.begin(), segs.begin() + 1);
  for (uint64_t k = 31; k < 40; ++k) short_segs.push_back(segs[1 + k]);
  ASSERT_FALSE(map(0x100000, 0x500ff8, 10 * kPage));
  EXPECT_TRUE(same_segments(out_, expect(short_segs)));
}

TEST_F(PrpTest, ListInTheLastBytesOfRam) {
  // Two slots at the very end of RAM: one data entry and a chain pointer.
  write_list(kRam - 16, {0x400000, 0x600000});
  write_list(0x600000, {0x402000, 0x404000});
  ASSERT_FALSE(map(0x100000, kRam - 16, 4 * kPage));
  EXPECT_TRUE(same_segments(
      out_, expect({{0x100000, kPage}, {0x400000, kPage}, {0x402000, kPage}, {0x404000, kPage}})));
}

TEST_F(PrpTest, LastPageOfRamIsUsable) {
  ASSERT_FALSE(map(kRam - kPage, 0, kPage));
  EXPECT_TRUE(same_segments(out_, expect({{kRam - kPage, kPage}})));
}

TEST_F(PrpTest, ReusesTheOutputVector) {
  std::vector<uint64_t> entries;
  for (uint64_t k = 0; k < 64; ++k) entries.push_back(0x400000 + 2 * k * kPage);
  write_list(0x700000, entries);
  ASSERT_FALSE(map(0x100000, 0x700000, 65 * kPage));
  ASSERT_EQ(out_.size(), 65u);
  const iovec* storage = out_.data();
  const size_t capacity = out_.capacity();
  ASSERT_FALSE(map(0x100000, 0x700000, 30 * kPage));
  EXPECT_EQ(out_.size(), 30u);
  ASSERT_TRUE(map(0x100001, 0, 8));  // an error empties it
  EXPECT_TRUE(out_.empty());
  ASSERT_FALSE(map(0x100000, 0x700000, 65 * kPage));
  EXPECT_EQ(out_.data(), storage);
  EXPECT_EQ(out_.capacity(), capacity);
}

// --- Errors ------------------------------------------------------------------------

TEST_F(PrpTest, Prp1MustBeDwordAligned) {
  for (uint64_t low : {1, 2, 3}) {
    expect_error(map(0x200000 + low, 0, 512), GenericStatus::kInvalidPrpOffset, 0x200000 + low);
  }
  expect_error(map(0x200ffe, 0x300000, 8), GenericStatus::kInvalidPrpOffset, 0x200ffe);
}

TEST_F(PrpTest, Prp2DataPageMustHaveNoOffset) {
  expect_error(map(0x200000, 0x300004, 2 * kPage), GenericStatus::kInvalidPrpOffset, 0x300004);
  expect_error(map(0x200800, 0x300800, kPage), GenericStatus::kInvalidPrpOffset, 0x300800);
}

TEST_F(PrpTest, ListEntriesAfterTheFirstMustHaveNoOffset) {
  write_list(0x700000, {0x400000, 0x401000, 0x402200, 0x403000});
  expect_error(map(0x100000, 0x700000, 5 * kPage), GenericStatus::kInvalidPrpOffset, 0x402200);
  write_list(0x700000, {0x400000, 0x401000, 0x402000, 0x403004});
  expect_error(map(0x100000, 0x700000, 5 * kPage), GenericStatus::kInvalidPrpOffset, 0x403004);
}

TEST_F(PrpTest, ListPointerMustBeQwordAligned) {
  expect_error(map(0x100000, 0x700004, 3 * kPage), GenericStatus::kInvalidPrpOffset, 0x700004);
  expect_error(map(0x100000, 0x700102, 3 * kPage), GenericStatus::kInvalidPrpOffset, 0x700102);
}

TEST_F(PrpTest, ChainPointerMustHaveNoOffset) {
  std::vector<uint64_t> entries;
  for (uint64_t k = 0; k < 511; ++k) entries.push_back(0x400000 + k * kPage);
  entries.push_back(0x900100);  // slot 511: chain pointer with an offset
  write_list(0x700000, entries);
  expect_error(map(0x100000, 0x700000, 600 * kPage, 10), GenericStatus::kInvalidPrpOffset,
               0x900100);
}

TEST_F(PrpTest, PagesOutsideGuestMemory) {
  // At the end of RAM.
  expect_error(map(kRam, 0, 512), GenericStatus::kDataTransferError, kRam);
  // A transfer straddling the end: PRP1's part fits, PRP2's page is past it.
  expect_error(map(kRam - 2048, kRam, kPage), GenericStatus::kDataTransferError, kRam);
  // A list entry past the end, and one far outside.
  write_list(0x700000, {0x400000, kRam, 0x402000});
  expect_error(map(0x100000, 0x700000, 4 * kPage), GenericStatus::kDataTransferError, kRam);
  write_list(0x700000, {0x400000, 0x8000'0000'0000'0000, 0x402000});
  expect_error(map(0x100000, 0x700000, 4 * kPage), GenericStatus::kDataTransferError,
               0x8000'0000'0000'0000);
  // The list itself outside RAM (PRP2, and a chain pointer).
  expect_error(map(0x100000, kRam + 0x100, 3 * kPage), GenericStatus::kDataTransferError,
               kRam + 0x100);
  write_list(kRam - 8, {kRam});  // one slot, chaining past the end
  expect_error(map(0x100000, kRam - 8, 3 * kPage), GenericStatus::kDataTransferError, kRam);
}

TEST_F(PrpTest, AddressesThatWrapAround) {
  const uint64_t top = std::numeric_limits<uint64_t>::max();
  expect_error(map(top & ~3ull, 0, 4), GenericStatus::kDataTransferError, top & ~3ull);
  expect_error(map(top - kPage + 1, 0x1000, 2 * kPage), GenericStatus::kDataTransferError,
               top - kPage + 1);
  expect_error(map(0x100000, top - 7, 3 * kPage), GenericStatus::kDataTransferError, top - 7);
}

TEST_F(PrpTest, TransferAboveMdtsIsAnInvalidField) {
  std::vector<uint64_t> entries;
  for (uint64_t k = 0; k < 128; ++k) entries.push_back(0x400000 + k * kPage);
  write_list(0x700000, entries);
  // MDTS 7 = 512 KiB: exactly that is fine, one byte more is not.
  ASSERT_FALSE(map(0x100000, 0x700000, 512 * KiB, 7));
  EXPECT_EQ(total(out_), 512 * KiB);
  expect_error(map(0x100000, 0x700000, 512 * KiB + 1, 7), GenericStatus::kInvalidField,
               512 * KiB + 1);
  expect_error(map(0x100000, 0x700000, 1ull << 63, 7), GenericStatus::kInvalidField, 1ull << 63);
  expect_error(map(0x100000, 0x200000, 2 * kPage + 4, 1), GenericStatus::kInvalidField,
               2 * kPage + 4);
  // MDTS comes first: a bad PRP1 with too long a transfer is an invalid field.
  expect_error(map(0x100001, 0, 1 * MiB, 7), GenericStatus::kInvalidField, 1 * MiB);
}

TEST_F(PrpTest, SelfReferencingListEndsWithAnError) {
  // A full page list whose chain slot points to itself.
  std::vector<uint64_t> entries;
  for (uint64_t k = 0; k < 511; ++k) entries.push_back(0x400000 + k * kPage);
  entries.push_back(0x700000);
  write_list(0x700000, entries);
  expect_error(map(0x100000, 0x700000, 4 * MiB, 10), GenericStatus::kDataTransferError, 0x700000);

  // One slot at offset 0xff8 pointing to its own page: the page is read as a
  // list whose slot 511 is that same pointer.
  write_list(0x900ff8, {0x900000});
  expect_error(map(0x100000, 0x900ff8, 4 * MiB, 10), GenericStatus::kDataTransferError, 0x900000);

  // Two pages pointing to each other.
  entries.back() = 0x701000;
  write_list(0x700000, entries);
  entries.back() = 0x700000;
  write_list(0x701000, entries);
  expect_error(map(0x100000, 0x700000, 8 * MiB, 11), GenericStatus::kDataTransferError, 0x700000);
}

TEST_F(PrpTest, ErrorsDescribeThemselves) {
  auto e = map(0x100002, 0, 8);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->describe(), "PRP1 is not dword aligned (0x100002)");
  EXPECT_EQ(to_string(e->status), "PRP Offset Invalid");
}

TEST(PrpLimitsTest, MdtsMustBeFinite) {
  EXPECT_THROW((void)PrpLimits(0), std::invalid_argument);
  EXPECT_THROW((void)PrpLimits(kMaxMdts + 1), std::invalid_argument);
  EXPECT_EQ(PrpLimits(7).max_transfer_bytes(), 512 * KiB);
  EXPECT_EQ(PrpLimits(kMaxMdts).max_transfer_bytes(), 256 * MiB);
}

// --- Guest memory with the 32-bit MMIO hole ----------------------------------------------

TEST(PrpHoleTest, PagesInTheMmioHoleAreRefused) {
  auto mem = GuestMemory::create(3 * GiB + 16 * MiB);  // MAP_NORESERVE: nothing allocated
  const PrpLimits limits(7);
  std::vector<iovec> out;
  const uint64_t hole = layout::kMmio32Start;
  // Low RAM's last bytes, then a page above 4 GiB.
  ASSERT_FALSE(map_prps(mem, {.prp1 = hole - 2048, .prp2 = layout::kHighRamStart, .length = kPage},
                        limits, out));
  EXPECT_TRUE(same_segments(
      out, host_segments(mem, std::vector<DmaSegment>{{hole - 2048, 2048},
                                                      {layout::kHighRamStart, 2048}})));
  // The first page of the hole (a device BAR's range).
  auto e = map_prps(mem, {.prp1 = hole - 2048, .prp2 = hole, .length = kPage}, limits, out);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, GenericStatus::kDataTransferError);
  EXPECT_EQ(e->value, hole);
  // Past the end of high RAM.
  e = map_prps(mem, {.prp1 = layout::kHighRamStart + 16 * MiB, .prp2 = 0, .length = 4}, limits,
               out);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, GenericStatus::kDataTransferError);
}

}  // namespace
}  // namespace zvmm::nvme

// Fuzz-style test of the PRP walker: many thousands of random data pointers
// (PRP1, PRP2, length, MDTS) over random PRP list pages (chains, loops,
// offsets, addresses at and past the end of RAM, 64-bit garbage), plus
// well-formed pointers laid out as Linux builds them. Invariants: nothing
// throws or crashes; every segment lies inside a guest RAM mapping; success
// means exactly `length` bytes and the segments an independent model of
// section 4.1.1 predicts; an error leaves no segments and matches the model's
// status and offending value. Deterministic (fixed seed).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <random>
#include <set>
#include <vector>

#include "devices/nvme/prp.h"
#include "devices/nvme/testing/prp_builder.h"
#include "vmm/layout.h"

namespace zvmm::nvme {
namespace {

using layout::MiB;
using testing::DmaSegment;

constexpr uint64_t kPage = kMemoryPageSize;
constexpr uint64_t kRam = 16 * MiB;
constexpr uint64_t kRamPages = kRam / kPage;
// Where the fuzzer keeps its list pages (the last one is RAM's last page).
constexpr uint64_t kListPages[] = {0x10000, 0x11000, 0x12000, 0x800000, 0x13000, kRam - kPage};
constexpr uint8_t kMdts[] = {1, 2, 5, 7, 10, 11};

// The walker's contract written a second way, after QEMU's nvme_map_prp: an
// index into the current list that is refilled when it reaches a chain slot.
struct Model {
  std::optional<GenericStatus> status;
  uint64_t value = 0;
  std::vector<DmaSegment> ranges;
  int lists = 0;  // list pages read
};

Model model(const GuestMemory& mem, const PrpDataPointer& d, uint64_t max_bytes) {
  Model m;
  auto fail = [&](GenericStatus s, uint64_t v) {
    m.status = s;
    m.value = v;
    m.ranges.clear();
    return m;
  };
  auto in_ram = [&](uint64_t gpa, uint64_t len) { return mem.slice(gpa, len).has_value(); };
  uint64_t len = d.length;
  if (len == 0) return m;
  if (len > max_bytes) return fail(GenericStatus::kInvalidField, len);
  if (d.prp1 % 4) return fail(GenericStatus::kInvalidPrpOffset, d.prp1);
  const uint64_t first = std::min(len, kPage - d.prp1 % kPage);
  if (!in_ram(d.prp1, first)) return fail(GenericStatus::kDataTransferError, d.prp1);
  m.ranges.push_back({d.prp1, first});
  len -= first;
  if (len == 0) return m;
  if (len <= kPage) {
    if (d.prp2 % kPage) return fail(GenericStatus::kInvalidPrpOffset, d.prp2);
    if (!in_ram(d.prp2, len)) return fail(GenericStatus::kDataTransferError, d.prp2);
    m.ranges.push_back({d.prp2, len});
    return m;
  }
  if (d.prp2 % 8) return fail(GenericStatus::kInvalidPrpOffset, d.prp2);

  std::set<uint64_t> seen;
  std::vector<uint64_t> list;
  uint64_t nents = 0;
  auto load = [&](uint64_t gpa, uint64_t slots) {
    nents = slots;
    const uint64_t n = std::min(slots, (len + kPage - 1) / kPage);
    if (!in_ram(gpa, 8 * n)) return false;
    list.assign(n, 0);
    for (uint64_t k = 0; k < n; ++k) list[k] = *mem.read_le<uint64_t>(gpa + 8 * k);
    ++m.lists;
    return true;
  };
  seen.insert(d.prp2);
  if (!load(d.prp2, (kPage - d.prp2 % kPage) / 8)) {
    return fail(GenericStatus::kDataTransferError, d.prp2);
  }
  for (uint64_t i = 0; len > 0; ++i) {
    uint64_t entry = list[i];
    if (i == nents - 1 && len > kPage) {
      if (entry % kPage) return fail(GenericStatus::kInvalidPrpOffset, entry);
      if (!seen.insert(entry).second) return fail(GenericStatus::kDataTransferError, entry);
      if (!load(entry, kPage / 8)) return fail(GenericStatus::kDataTransferError, entry);
      i = 0;
      entry = list[0];
    }
    if (entry % kPage) return fail(GenericStatus::kInvalidPrpOffset, entry);
    const uint64_t n = std::min(len, kPage);
    if (!in_ram(entry, n)) return fail(GenericStatus::kDataTransferError, entry);
    m.ranges.push_back({entry, n});
    len -= n;
  }
  return m;
}

class Fuzzer {
 public:
  explicit Fuzzer(uint64_t seed) : rng_(seed) {}

  uint64_t pick(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }
  bool chance(int percent) { return pick(100) < static_cast<uint64_t>(percent); }
  uint64_t list_page() { return kListPages[pick(std::size(kListPages))]; }
  uint64_t ram_page() { return pick(kRamPages) * kPage; }

  // A PRP list entry: mostly a valid data page, sometimes anything else.
  uint64_t entry(uint64_t previous) {
    const uint64_t r = pick(100);
    if (r < 55) return ram_page();
    if (r < 70) return previous + kPage;  // contiguous run (merging)
    if (r < 78) return list_page();       // a chain or a loop if in a chain slot
    if (r < 82) return ram_page() + 4 * (1 + pick(1023));  // an offset
    if (r < 88) return kRam - kPage * pick(3);               // last page, or just past
    if (r < 92) return rng_();
    return 0;
  }

  void fill_lists(const GuestMemory& mem) {
    for (uint64_t page : kListPages) {
      uint64_t previous = ram_page();
      for (uint64_t k = 0; k < kPrpEntriesPerPage; ++k) {
        uint64_t e = entry(previous);
        if (k == kPrpEntriesPerPage - 1 && chance(70)) e = list_page();  // chain slot
        ASSERT_TRUE(mem.write_le<uint64_t>(page + 8 * k, e));
        previous = e;
      }
    }
  }

  uint64_t prp1() {
    const uint64_t r = pick(100);
    if (r < 50) return pick(kRam / 4) * 4;
    if (r < 65) return ram_page();
    if (r < 72) return pick(kRam) | (1 + pick(3));  // misaligned
    if (r < 85) return (kRam - pick(3 * kPage)) & ~3ull;  // the end of RAM
    if (r < 92) return rng_();
    return list_page() + 8 * pick(512);
  }

  uint64_t prp2() {
    const uint64_t r = pick(100);
    if (r < 45) return list_page() + (chance(50) ? 0 : 8 * pick(512));
    if (r < 52) return list_page() + 1 + pick(kPage - 1);  // may not be qword aligned
    if (r < 70) return ram_page();
    if (r < 76) return ram_page() + 4 * pick(1024);
    if (r < 86) return (kRam - 8 * pick(2 * kPrpEntriesPerPage)) & ~7ull;
    if (r < 93) return rng_();
    return 0;
  }

  uint64_t length(uint64_t max) {
    const uint64_t r = pick(100);
    if (r < 5) return 0;
    if (r < 25) return 1 + pick(2 * kPage);
    if (r < 60) return 1 + pick(max);
    if (r < 70) return max;
    if (r < 75) return max + 1 + pick(kPage);
    if (r < 80) return rng_();
    if (r < 90) return kPage * (1 + pick(max / kPage));
    return 512 * (1 + pick(16));
  }

  // A well-formed buffer as the block layer hands it to Linux's NVMe driver:
  // random segments, the first at any dword offset, the middle ones whole
  // pages, the last ending anywhere.
  std::vector<DmaSegment> linux_segments(uint64_t max) {
    std::vector<DmaSegment> segs;
    const uint64_t total = 4 + pick(max - 3);  // 4..max bytes
    uint64_t left = total;
    const uint64_t off = 4 * pick(kPage / 4);
    uint64_t gpa = ram_page() + off;
    uint64_t len = std::min(left, kPage - off);
    if (gpa + len > kRam) gpa = off;  // keep PRP1's page in RAM
    segs.push_back({gpa, len});
    left -= len;
    while (left > 0) {
      const uint64_t pages = 1 + pick(8);
      uint64_t start = ram_page();
      if (start + pages * kPage > kRam) start = kRam - pages * kPage;
      len = std::min(left, pages * kPage);
      segs.push_back({start, len});
      left -= len;
    }
    return segs;
  }

  std::mt19937_64& rng() { return rng_; }

 private:
  std::mt19937_64 rng_;
};

bool inside_guest(const GuestMemory& mem, const iovec& v) {
  const auto p = reinterpret_cast<uintptr_t>(v.iov_base);
  for (const GuestRegion& r : mem.regions()) {
    const auto start = reinterpret_cast<uintptr_t>(r.mapping.bytes().data());
    const uintptr_t size = r.mapping.bytes().size();
    if (p >= start && v.iov_len <= size && p - start <= size - v.iov_len) return true;
  }
  return false;
}

TEST(PrpFuzzTest, RandomDataPointersKeepTheInvariants) {
  auto mem = GuestMemory::create(kRam);
  Fuzzer f(0x5eed'4e56'6d65);
  std::vector<iovec> out;
  int ok = 0, errors = 0, chained_ok = 0, loops = 0, linux_ok = 0;
  int by_status[256] = {};
  for (int iter = 0; iter < 20000; ++iter) {
    const uint8_t mdts = kMdts[f.pick(std::size(kMdts))];
    const PrpLimits limits(mdts);
    const uint64_t max = limits.max_transfer_bytes();
    PrpDataPointer d;
    std::vector<DmaSegment> intended;
    if (f.chance(20)) {
      // Well formed, as Linux lays it out: must succeed with exactly these bytes.
      intended = f.linux_segments(max);
      std::vector<uint64_t> lists(std::begin(kListPages), std::end(kListPages));
      std::shuffle(lists.begin(), lists.end(), f.rng());
      d = testing::build_linux_prps(mem, intended, lists, 256 * f.pick(16));
    } else {
      if (iter % 16 == 0) f.fill_lists(mem);
      d = {.prp1 = f.prp1(), .prp2 = f.prp2(), .length = f.length(max)};
    }
    SCOPED_TRACE(::testing::Message() << "iteration " << iter << ": prp1 0x" << std::hex << d.prp1
                                      << " prp2 0x" << d.prp2 << " length 0x" << d.length
                                      << std::dec << " mdts " << int(mdts));

    out.push_back({nullptr, 7});  // stale contents must go
    const auto e = map_prps(mem, d, limits, out);
    const Model m = model(mem, d, max);

    for (const iovec& v : out) ASSERT_TRUE(inside_guest(mem, v));
    if (e) {
      ++errors;
      ++by_status[static_cast<uint8_t>(e->status)];
      ASSERT_TRUE(out.empty());
      ASSERT_NE(e->status, GenericStatus::kSuccess);
      ASSERT_TRUE(m.status.has_value()) << "model accepts what the walker refused: "
                                        << e->describe();
      ASSERT_EQ(e->status, *m.status) << e->describe();
      ASSERT_EQ(e->value, m.value) << e->describe();
      if (std::string_view(e->what).find("loops") != std::string_view::npos) ++loops;
      ASSERT_TRUE(intended.empty()) << "a well-formed pointer was refused: " << e->describe();
    } else {
      ++ok;
      ASSERT_FALSE(m.status.has_value()) << "walker accepts what the model refused";
      uint64_t total = 0;
      for (const iovec& v : out) total += v.iov_len;
      ASSERT_EQ(total, d.length);
      const auto predicted = testing::host_segments(mem, m.ranges);
      ASSERT_TRUE(std::equal(out.begin(), out.end(), predicted.begin(), predicted.end(),
                             [](const iovec& a, const iovec& b) {
                               return a.iov_base == b.iov_base && a.iov_len == b.iov_len;
                             }));
      if (!intended.empty()) {
        ++linux_ok;
        const auto want = testing::host_segments(mem, intended);
        ASSERT_EQ(out.size(), want.size());
        for (size_t i = 0; i < out.size(); ++i) {
          ASSERT_EQ(out[i].iov_base, want[i].iov_base);
          ASSERT_EQ(out[i].iov_len, want[i].iov_len);
        }
      }
      if (m.lists >= 2) ++chained_ok;
    }
  }
  // The run must have covered the interesting outcomes.
  RecordProperty("ok", ok);
  RecordProperty("chained_ok", chained_ok);
  std::printf("ok %d (linux %d, chained %d), errors %d: invalid field %d, data transfer %d "
              "(loops %d), PRP offset %d\n",
              ok, linux_ok, chained_ok, errors, by_status[0x02], by_status[0x04], loops,
              by_status[0x13]);
  EXPECT_GT(ok, 4000);
  EXPECT_GT(linux_ok, 3000);
  EXPECT_GT(chained_ok, 100);
  EXPECT_GT(by_status[0x02], 100);
  EXPECT_GT(by_status[0x04], 100);
  EXPECT_GT(by_status[0x13], 100);
  EXPECT_GT(loops, 10);
}

}  // namespace
}  // namespace zvmm::nvme

// Fuzz-style test of the controller register file: tens of thousands of
// random register accesses (any offset, any size, any value; CC values biased
// towards the fields that drive the state machine), shutdown_complete() and
// power-on resets, in random order with a fixed seed. After every step it
// checks the invariants of controller_regs.h:
//   - nothing throws or crashes; accesses outside the rules read zeros;
//   - CAP and VS never change; reserved bits of CC, CSTS and AQA read 0;
//   - RDY implies EN; RDY and CFS are never both set; SHST is never 11b;
//   - RDY rises only with an EnableEvent, falls only with a ResetEvent (or a
//     power-on reset);
//   - CFS rises only on a failed enable (EN 0->1, no event), falls only with a
//     reset;
//   - SHST changes only through a shutdown: 00b->01b with a ShutdownEvent while
//     ready, 01b->10b by shutdown_complete(), 00b->10b at once on a shutdown
//     request while not ready, back to 00b only by a reset or an enable;
//   - while EN stays 1, CC.CSS/MPS/AMS do not change;
//   - every event matches the registers (an EnableEvent carries AQA/ASQ/ACQ
//     and CC.CSS; a ResetEvent leaves CC, CSTS and INTMS 0).
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "devices/nvme/controller_regs.h"

namespace zvmm::nvme {
namespace {

constexpr uint64_t kOffsets[] = {reg::kCap, reg::kCap + 4, reg::kVs,  reg::kIntms, reg::kIntmc,
                                 reg::kCc,  0x18,          reg::kCsts, reg::kNssr, reg::kAqa,
                                 reg::kAsq, reg::kAsq + 4, reg::kAcq, reg::kAcq + 4, 0x38,
                                 0x3C,      0x50,          0x68,      0xE00,       0xFF8,
                                 0xFFC,     0x1000};
constexpr size_t kSizes[] = {0, 1, 2, 3, 4, 4, 4, 4, 5, 7, 8, 8, 8, 16};

struct Fuzzer {
  std::mt19937_64 rng{0x6e766d65'7265'6773};  // "nvmeregs"
  ControllerRegisters r{{.mqes = 255, .timeout = 4}};
  uint64_t cap = r.cap();

  // Counters, to check the run went through every path.
  int enables = 0, failed_enables = 0, resets = 0, shutdowns = 0, completions = 0,
      immediate_shutdowns = 0;

  uint64_t pick(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng); }
  bool chance(int percent) { return pick(100) < static_cast<uint64_t>(percent); }

  uint32_t random_cc() {
    if (chance(10)) return static_cast<uint32_t>(rng());
    uint32_t v = 0;
    if (chance(60)) v |= cc::kEn;
    const uint32_t css[] = {0, 6, 6, 6, 1, 7, static_cast<uint32_t>(pick(8))};
    v |= css[pick(std::size(css))] << cc::kCssShift;
    if (chance(10)) v |= static_cast<uint32_t>(pick(16)) << cc::kMpsShift;
    if (chance(10)) v |= static_cast<uint32_t>(pick(8)) << cc::kAmsShift;
    if (chance(30)) v |= static_cast<uint32_t>(pick(4)) << cc::kShnShift;
    if (chance(80)) v |= 6u << cc::kIosqesShift | 4u << cc::kIocqesShift;
    if (chance(5)) v |= 1u << 24 | 0xeu;  // CRIME and reserved bits
    return v;
  }

  uint64_t random_queue_base() {
    switch (pick(4)) {
      case 0: return rng();
      case 1: return rng() & ~uint64_t{0xfff};
      default: return (pick(1 << 20) + 1) << 12;
    }
  }

  // One random write; returns the event and whether it was a rule-abiding
  // access that covered CC.
  std::optional<ControllerEvent> random_write(bool& touched_cc) {
    uint64_t off;
    size_t size;
    std::vector<uint8_t> data;
    auto put = [&](uint64_t v) {
      data.resize(size);
      for (size_t i = 0; i < size; ++i) data[i] = static_cast<uint8_t>(v >> (8 * (i % 8)));
    };
    switch (pick(10)) {
      case 0: case 1: case 2:  // CC
        off = reg::kCc;
        size = 4;
        put(random_cc());
        break;
      case 3:  // AQA
        off = reg::kAqa;
        size = 4;
        put(chance(70) ? 0x001F001F : rng());
        break;
      case 4: {  // ASQ / ACQ, whole or by halves
        const uint64_t base = chance(50) ? reg::kAsq : reg::kAcq;
        const uint64_t v = random_queue_base();
        if (chance(50)) {
          off = base;
          size = 8;
          put(v);
        } else {
          const bool high = chance(50);
          off = base + (high ? 4 : 0);
          size = 4;
          put(high ? v >> 32 : v);
        }
        break;
      }
      case 5:  // INTMS / INTMC
        off = chance(50) ? reg::kIntms : reg::kIntmc;
        size = 4;
        put(rng());
        break;
      case 6:  // INTMC + CC in one 8-byte access
        off = reg::kIntmc;
        size = 8;
        put((rng() & 0xffff'ffff) | uint64_t{random_cc()} << 32);
        break;
      default:  // anything anywhere
        off = chance(80) ? kOffsets[pick(std::size(kOffsets))] + pick(3) * (chance(80) ? 0 : 1)
                         : (chance(50) ? pick(0x1100) : rng());
        size = kSizes[pick(std::size(kSizes))];
        put(rng());
        break;
    }
    touched_cc = (size == 4 && off == reg::kCc) || (size == 8 && off == reg::kIntmc);
    return r.write(off, data);
  }

  void random_read() {
    const uint64_t off = chance(70) ? kOffsets[pick(std::size(kOffsets))] + (chance(90) ? 0 : pick(8))
                                    : (chance(50) ? pick(0x1100) : rng());
    const size_t size = kSizes[pick(std::size(kSizes))];
    std::vector<uint8_t> b(size, 0xAA);
    r.read(off, b);
    const bool rule = (size == 4 || size == 8) && off < reg::kRegisterFileBytes &&
                      size <= reg::kRegisterFileBytes - off && off % size == 0;
    if (!rule) {
      for (uint8_t x : b) ASSERT_EQ(x, 0) << "off " << off << " size " << size;
      return;
    }
    uint64_t v = 0;
    for (size_t i = size; i-- > 0;) v = v << 8 | b[i];
    auto expect32 = [&](uint64_t o, uint32_t got) {
      uint32_t want = 0;
      switch (o) {
        case reg::kCap: want = static_cast<uint32_t>(cap); break;
        case reg::kCap + 4: want = static_cast<uint32_t>(cap >> 32); break;
        case reg::kVs: want = kVersion; break;
        case reg::kIntms: case reg::kIntmc: want = r.intms(); break;
        case reg::kCc: want = r.cc(); break;
        case reg::kCsts: want = r.csts(); break;
        case reg::kAqa: want = r.aqa(); break;
        case reg::kAsq: want = static_cast<uint32_t>(r.asq()); break;
        case reg::kAsq + 4: want = static_cast<uint32_t>(r.asq() >> 32); break;
        case reg::kAcq: want = static_cast<uint32_t>(r.acq()); break;
        case reg::kAcq + 4: want = static_cast<uint32_t>(r.acq() >> 32); break;
        default: break;
      }
      ASSERT_EQ(got, want) << "off " << o;
    };
    expect32(off, static_cast<uint32_t>(v));
    if (size == 8) expect32(off + 4, static_cast<uint32_t>(v >> 32));
  }

  struct State {
    uint32_t cc, csts, intms;
  };

  void check(const State& before, const std::optional<ControllerEvent>& ev, bool touched_cc,
             bool completed, bool power_on) {
    const uint32_t cc = r.cc(), st = r.csts();
    const bool rdy = st & csts::kRdy, cfs = st & csts::kCfs;
    const bool was_rdy = before.csts & csts::kRdy, was_cfs = before.csts & csts::kCfs;
    const uint32_t shst = (st & csts::kShstMask) >> csts::kShstShift;
    const uint32_t was_shst = (before.csts & csts::kShstMask) >> csts::kShstShift;
    const bool en = cc & cc::kEn, was_en = before.cc & cc::kEn;

    ASSERT_EQ(r.cap(), cap);
    ASSERT_EQ(cc & 0xff00'000eu, 0u);
    ASSERT_EQ(st & ~0xfu, 0u);
    ASSERT_EQ(r.aqa() & 0xf000'f000u, 0u);
    ASSERT_TRUE(!rdy || en) << "RDY without EN";
    ASSERT_FALSE(rdy && cfs);
    ASSERT_NE(shst, 0b11u);
    if (ev) { ASSERT_TRUE(touched_cc) << "event from a write that did not touch CC"; }

    const auto* enable = ev ? std::get_if<EnableEvent>(&*ev) : nullptr;
    const bool reset = ev && std::holds_alternative<ResetEvent>(*ev);
    const auto* shutdown = ev ? std::get_if<ShutdownEvent>(&*ev) : nullptr;
    const bool failed_enable = touched_cc && !ev && !was_en && en;

    if (enable) {
      ASSERT_FALSE(was_en);
      ASSERT_EQ(st, csts::kRdy);
      ASSERT_EQ(enable->admin.sq_base, r.asq());
      ASSERT_EQ(enable->admin.cq_base, r.acq());
      ASSERT_EQ(enable->admin.sq_entries, (r.aqa() & 0xfff) + 1);
      ASSERT_EQ(enable->admin.cq_entries, (r.aqa() >> 16 & 0xfff) + 1);
      ASSERT_EQ(enable->admin.sq_base % 4096, 0u);
      ASSERT_EQ(enable->admin.cq_base % 4096, 0u);
      ASSERT_GE(enable->admin.sq_entries, 2);
      ASSERT_GE(enable->admin.cq_entries, 2);
      ASSERT_EQ(enable->css, (cc & cc::kCssMask) >> cc::kCssShift);
      ASSERT_TRUE(enable->css == cc::kCssNvm || enable->css == cc::kCssAllIoSets);
      ASSERT_FALSE(r.enable_error());
      ++enables;
    }
    if (reset) {
      ASSERT_TRUE(was_en);
      ASSERT_EQ(cc, 0u);
      ASSERT_EQ(st, 0u);
      ASSERT_EQ(r.intms(), 0u);
      ++resets;
    }
    if (shutdown) {
      ASSERT_TRUE(was_rdy);
      ASSERT_EQ(was_shst, 0b00u);
      ASSERT_EQ(shst, 0b01u);
      ASSERT_TRUE(rdy && en);
      ASSERT_EQ(shutdown->abrupt, ((cc & cc::kShnMask) >> cc::kShnShift) == cc::kShnAbrupt);
      ++shutdowns;
    }
    if (failed_enable) {
      ASSERT_EQ(st, csts::kCfs);
      ASSERT_TRUE(r.enable_error());
      ++failed_enables;
    }

    // RDY and CFS edges.
    if (rdy && !was_rdy) { ASSERT_TRUE(enable); }
    if (!rdy && was_rdy) { ASSERT_TRUE(reset || power_on); }
    if (cfs && !was_cfs) { ASSERT_TRUE(failed_enable); }
    if (!cfs && was_cfs) { ASSERT_TRUE(reset || power_on); }

    // SHST edges.
    if (shst != was_shst) {
      if (shst == 0b00) {
        ASSERT_TRUE(reset || power_on || enable || failed_enable);
      } else if (shst == 0b01) {
        ASSERT_TRUE(shutdown);
      } else if (was_shst == 0b01) {  // -> 10b
        ASSERT_TRUE(completed);
      } else {  // 00b -> 10b at once
        ASSERT_TRUE(touched_cc && !ev && !was_rdy && !rdy);
        ASSERT_NE(cc & cc::kShnMask, 0u);
        ++immediate_shutdowns;
      }
    } else if (completed) {
      FAIL() << "shutdown_complete() reported a change that did not happen";
    }

    // Frozen fields while enabled.
    if (was_en && en) {
      const uint32_t frozen = cc::kCssMask | cc::kMpsMask | cc::kAmsMask;
      ASSERT_EQ(cc & frozen, before.cc & frozen);
    }
  }

  void step() {
    const State before{r.cc(), r.csts(), r.intms()};
    const int what = static_cast<int>(pick(100));
    if (what < 60) {
      bool touched_cc = false;
      auto ev = random_write(touched_cc);
      check(before, ev, touched_cc, false, false);
    } else if (what < 90) {
      random_read();
      check(before, std::nullopt, false, false, false);
      ASSERT_EQ(r.cc(), before.cc);
      ASSERT_EQ(r.csts(), before.csts);
    } else if (what < 99) {
      const bool changed = r.shutdown_complete();
      if (changed) ++completions;
      ASSERT_EQ(changed, ((before.csts & csts::kShstMask) >> csts::kShstShift) == 0b01);
      check(before, std::nullopt, false, changed, false);
    } else {
      r.reset();
      check(before, std::nullopt, false, false, true);
      ASSERT_EQ(r.cc(), 0u);
      ASSERT_EQ(r.csts(), 0u);
      ASSERT_EQ(r.aqa(), 0u);
    }
  }
};

TEST(ControllerRegsFuzz, RandomAccessesKeepTheInvariants) {
  Fuzzer f;
  constexpr int kSteps = 100'000;
  for (int i = 0; i < kSteps; ++i) {
    ASSERT_NO_FATAL_FAILURE(f.step()) << "step " << i;
  }
  // The run must have exercised every transition, several times.
  EXPECT_GE(f.enables, 50);
  EXPECT_GE(f.failed_enables, 50);
  EXPECT_GE(f.resets, 50);
  EXPECT_GE(f.shutdowns, 20);
  EXPECT_GE(f.completions, 10);
  EXPECT_GE(f.immediate_shutdowns, 10);
  std::printf("enables %d, failed enables %d, resets %d, shutdowns %d (completed %d), "
              "immediate shutdowns %d\n",
              f.enables, f.failed_enables, f.resets, f.shutdowns, f.completions,
              f.immediate_shutdowns);
}

}  // namespace
}  // namespace zvmm::nvme

#include "devices/nvme/controller_regs.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

namespace zvmm::nvme {
namespace {

// Little-endian byte packing written out by hand (independent of base/le.h).
uint64_t from_bytes(std::span<const uint8_t> b) {
  uint64_t v = 0;
  for (size_t i = b.size(); i-- > 0;) v = v << 8 | b[i];
  return v;
}

uint32_t rd32(const ControllerRegisters& r, uint64_t off) {
  std::array<uint8_t, 4> b;
  b.fill(0xAA);
  r.read(off, b);
  return static_cast<uint32_t>(from_bytes(b));
}

uint64_t rd64(const ControllerRegisters& r, uint64_t off) {
  std::array<uint8_t, 8> b;
  b.fill(0xAA);
  r.read(off, b);
  return from_bytes(b);
}

std::optional<ControllerEvent> wr(ControllerRegisters& r, uint64_t off, uint64_t value,
                                  size_t size) {
  std::vector<uint8_t> b(size);
  for (size_t i = 0; i < size; ++i) b[i] = static_cast<uint8_t>(value >> (8 * (i % 8)));
  return r.write(off, b);
}
std::optional<ControllerEvent> wr32(ControllerRegisters& r, uint64_t off, uint32_t v) {
  return wr(r, off, v, 4);
}
std::optional<ControllerEvent> wr64(ControllerRegisters& r, uint64_t off, uint64_t v) {
  return wr(r, off, v, 8);
}

// What Linux 6.12 writes to CC (nvme_enable_ctrl): CSS 110b (CAP.CSS bit 6
// is set), MPS 0, AMS 0, IOSQES 6, IOCQES 4; first with EN 0, then with EN 1.
constexpr uint32_t kLinuxCc = (6u << 4) | (6u << 16) | (4u << 20);
constexpr uint64_t kAsq = 0x1'2345'6000;
constexpr uint64_t kAcq = 0x7654'3000;
constexpr uint32_t kLinuxAqa = 0x001F001F;  // 32 entries each

// The bring-up of nvme_pci_configure_admin_queue + nvme_enable_ctrl, up to
// (not including) the write that sets EN.
void configure_like_linux(ControllerRegisters& r) {
  EXPECT_FALSE(wr32(r, reg::kCc, 0));  // disable: EN already 0, nothing happens
  EXPECT_EQ(rd32(r, reg::kCsts) & csts::kRdy, 0u);
  EXPECT_FALSE(wr32(r, reg::kAqa, kLinuxAqa));
  EXPECT_FALSE(wr32(r, reg::kAsq, static_cast<uint32_t>(kAsq)));  // lo_hi_writeq
  EXPECT_FALSE(wr32(r, reg::kAsq + 4, static_cast<uint32_t>(kAsq >> 32)));
  EXPECT_FALSE(wr32(r, reg::kAcq, static_cast<uint32_t>(kAcq)));
  EXPECT_FALSE(wr32(r, reg::kAcq + 4, static_cast<uint32_t>(kAcq >> 32)));
  (void)rd32(r, reg::kCap);  // re-read of CAP inside nvme_enable_ctrl
  (void)rd32(r, reg::kCap + 4);
  EXPECT_FALSE(wr32(r, reg::kCc, kLinuxCc));
}

EnableEvent enable_like_linux(ControllerRegisters& r) {
  configure_like_linux(r);
  auto ev = wr32(r, reg::kCc, kLinuxCc | cc::kEn);
  EXPECT_TRUE(ev.has_value());
  const auto* e = ev ? std::get_if<EnableEvent>(&*ev) : nullptr;
  EXPECT_NE(e, nullptr);
  return e ? *e : EnableEvent{};
}

uint32_t shst(const ControllerRegisters& r) {
  return (rd32(r, reg::kCsts) & csts::kShstMask) >> csts::kShstShift;
}

TEST(ControllerRegs, ResetValuesAsLinuxReadsThemAtProbe) {
  ControllerRegisters r;
  // CAP as lo_hi_readq: low dword, then high dword.
  const uint64_t cap = rd32(r, 0x00) | uint64_t{rd32(r, 0x04)} << 32;
  EXPECT_EQ(cap, 0x0000'0820'0F01'03FFull);
  EXPECT_EQ(cap & 0xffff, 1023u);           // MQES (0's based): 1024 entries
  EXPECT_EQ(cap >> 16 & 1, 1u);             // CQR
  EXPECT_EQ(cap >> 17 & 3, 0u);             // AMS: round robin only
  EXPECT_EQ(cap >> 24 & 0xff, 15u);         // TO: 7.5 s
  EXPECT_EQ(cap >> 32 & 0xf, 0u);           // DSTRD: 4-byte doorbells
  EXPECT_EQ(cap >> 36 & 1, 0u);             // NSSRS
  EXPECT_EQ(cap >> 37 & 0xff, 0x41u);       // CSS: NVM (bit 37) + I/O command sets (bit 43)
  EXPECT_EQ(cap >> 43 & 1, 1u);
  EXPECT_EQ(cap >> 44 & 1, 0u);             // not admin-only
  EXPECT_EQ(cap >> 45 & 1, 0u);             // BPS
  EXPECT_EQ(cap >> 48 & 0xf, 0u);           // MPSMIN: 4 KiB (Linux requires 0)
  EXPECT_EQ(cap >> 52 & 0xf, 0u);           // MPSMAX: 4 KiB
  EXPECT_EQ(cap >> 56 & 1, 0u);             // PMRS
  EXPECT_EQ(cap >> 57 & 1, 0u);             // CMBS: Linux does not touch CMBMSC
  EXPECT_EQ(cap >> 59 & 3, 0u);             // CRMS: no CRTO, Identify CNS 00h
  EXPECT_EQ(r.cap(), cap);
  EXPECT_EQ(rd32(r, reg::kVs), 0x00010400u);  // 1.4.0
  EXPECT_EQ(rd32(r, reg::kIntms), 0u);
  EXPECT_EQ(rd32(r, reg::kIntmc), 0u);
  EXPECT_EQ(rd32(r, reg::kCc), 0u);
  EXPECT_EQ(rd32(r, reg::kCsts), 0u);  // not RDY, not CFS, SHST 00b, not FFFFFFFFh
  EXPECT_EQ(rd32(r, reg::kNssr), 0u);
  EXPECT_EQ(rd32(r, reg::kAqa), 0u);
  EXPECT_EQ(rd64(r, reg::kAsq), 0u);
  EXPECT_EQ(rd64(r, reg::kAcq), 0u);
  EXPECT_EQ(rd32(r, 0x38), 0u);  // CMBLOC
  EXPECT_EQ(rd32(r, 0x3C), 0u);  // CMBSZ: 0 = no CMB (nvme_map_cmb)
  EXPECT_EQ(rd32(r, 0x68), 0u);  // CRTO
  EXPECT_EQ(rd32(r, 0xE00), 0u);  // PMRCAP
  for (uint64_t off = 0x38; off < reg::kRegisterFileBytes; off += 4) {
    ASSERT_EQ(rd32(r, off), 0u) << std::hex << off;
  }
  EXPECT_FALSE(r.enabled());
  EXPECT_FALSE(r.ready());
  EXPECT_EQ(r.shutdown_status(), ShutdownStatus::kNormal);
  EXPECT_FALSE(r.enable_error());
}

TEST(ControllerRegs, CapFollowsTheConfiguration) {
  ControllerRegisters r({.mqes = 0x7FF, .timeout = 1});
  EXPECT_EQ(rd64(r, reg::kCap) & 0xffff, 0x7FFu);
  EXPECT_EQ(rd64(r, reg::kCap) >> 24 & 0xff, 1u);
  EXPECT_EQ(capabilities({.mqes = 0x7FF, .timeout = 1}), r.cap());
  EXPECT_THROW(ControllerRegisters({.mqes = 0, .timeout = 15}), std::invalid_argument);
  EXPECT_THROW(ControllerRegisters({.mqes = 1, .timeout = 0}), std::invalid_argument);
  ControllerRegisters smallest({.mqes = 1, .timeout = 1});
  EXPECT_EQ(smallest.cap() & 0xffff, 1u);
}

TEST(ControllerRegs, CapReadAsHalvesInEitherOrderAndAsOneAccess) {
  ControllerRegisters r;
  const uint32_t hi = rd32(r, 0x04);
  const uint32_t lo = rd32(r, 0x00);
  EXPECT_EQ(lo | uint64_t{hi} << 32, r.cap());
  EXPECT_EQ(rd64(r, 0x00), r.cap());
  // Read-only, in every width.
  EXPECT_FALSE(wr32(r, 0x00, 0));
  EXPECT_FALSE(wr32(r, 0x04, 0xffffffff));
  EXPECT_FALSE(wr64(r, 0x00, 0));
  EXPECT_EQ(rd64(r, 0x00), capabilities({}));
}

TEST(ControllerRegs, AdminQueueBasesWrittenByHalvesInEitherOrderAndAs64Bit) {
  for (uint32_t base : {reg::kAsq, reg::kAcq}) {
    SCOPED_TRACE(base);
    ControllerRegisters r;
    // Low then high (Linux).
    wr32(r, base, 0x89ab'c000);
    EXPECT_EQ(rd64(r, base), 0x89ab'c000u);
    wr32(r, base + 4, 0x0000'0012);
    EXPECT_EQ(rd64(r, base), 0x12'89ab'c000u);
    EXPECT_EQ(rd32(r, base), 0x89ab'c000u);
    EXPECT_EQ(rd32(r, base + 4), 0x12u);
    // High then low: each half write changes only its half.
    wr32(r, base + 4, 0xdead'beef);
    EXPECT_EQ(rd64(r, base), 0xdead'beef'89ab'c000u);
    wr32(r, base, 0x0000'1000);
    EXPECT_EQ(rd64(r, base), 0xdead'beef'0000'1000u);
    // One 8-byte access.
    wr64(r, base, 0x0123'4567'89ab'c000);
    EXPECT_EQ(rd64(r, base), 0x0123'4567'89ab'c000u);
    EXPECT_EQ(rd32(r, base), 0x89ab'c000u);
    EXPECT_EQ(rd32(r, base + 4), 0x0123'4567u);
    // Stored as written, reserved bits 11:0 included (enable refuses them).
    wr32(r, base, 0x0000'0abc);
    EXPECT_EQ(rd32(r, base), 0xabcu);
  }
  ControllerRegisters r;
  wr64(r, reg::kAsq, 0x1111'2222'3333'4000);
  wr64(r, reg::kAcq, 0x5555'6666'7777'8000);
  EXPECT_EQ(r.asq(), 0x1111'2222'3333'4000u);
  EXPECT_EQ(r.acq(), 0x5555'6666'7777'8000u);
}

TEST(ControllerRegs, AqaReservedBitsReadZero) {
  ControllerRegisters r;
  wr32(r, reg::kAqa, 0xffff'ffff);
  EXPECT_EQ(rd32(r, reg::kAqa), 0x0fff'0fffu);
  wr32(r, reg::kAqa, kLinuxAqa);
  EXPECT_EQ(r.aqa(), kLinuxAqa);
}

TEST(ControllerRegs, EnableLikeLinuxHandsOverTheAdminQueues) {
  ControllerRegisters r;
  const EnableEvent e = enable_like_linux(r);
  EXPECT_EQ(e.admin, (AdminQueueConfig{.sq_base = kAsq, .cq_base = kAcq, .sq_entries = 32,
                                       .cq_entries = 32}));
  EXPECT_EQ(e.css, cc::kCssAllIoSets);
  EXPECT_EQ(rd32(r, reg::kCsts), csts::kRdy);
  EXPECT_EQ(rd32(r, reg::kCc), kLinuxCc | cc::kEn);
  EXPECT_TRUE(r.enabled());
  EXPECT_TRUE(r.ready());
  EXPECT_EQ(r.iosqes(), 6);
  EXPECT_EQ(r.iocqes(), 4);
  EXPECT_FALSE(r.enable_error());
  // Writing the same CC again changes nothing.
  EXPECT_FALSE(wr32(r, reg::kCc, kLinuxCc | cc::kEn));
  EXPECT_EQ(rd32(r, reg::kCsts), csts::kRdy);
}

TEST(ControllerRegs, EnableWithNvmCommandSetAndLargestAdminQueues) {
  ControllerRegisters r;
  wr32(r, reg::kAqa, 0x0fff'0001);  // 2-entry SQ, 4096-entry CQ
  wr64(r, reg::kAsq, 0x1000);
  wr64(r, reg::kAcq, 0xffff'ffff'ffff'f000);
  auto ev = wr32(r, reg::kCc, cc::kEn);  // CSS 000b, IOSQES/IOCQES 0 (set later)
  ASSERT_TRUE(ev);
  const auto* e = std::get_if<EnableEvent>(&*ev);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->css, cc::kCssNvm);
  EXPECT_EQ(e->admin.sq_entries, 2);
  EXPECT_EQ(e->admin.cq_entries, 4096);
  EXPECT_EQ(e->admin.sq_base, 0x1000u);
  EXPECT_EQ(e->admin.cq_base, 0xffff'ffff'ffff'f000u);
  // IOSQES/IOCQES may be set while enabled (after Identify Controller).
  EXPECT_FALSE(wr32(r, reg::kCc, cc::kEn | 6u << 16 | 4u << 20));
  EXPECT_EQ(r.iosqes(), 6);
  EXPECT_EQ(r.iocqes(), 4);
  EXPECT_TRUE(r.ready());
}

struct FailingEnable {
  const char* name;
  uint32_t aqa;
  uint64_t asq;
  uint64_t acq;
  uint32_t cc;
  std::string_view what;
  uint64_t value;
};

TEST(ControllerRegs, EachFailedEnableCheckSetsCfsAndGivesNoEvent) {
  const uint32_t good = kLinuxCc | cc::kEn;
  const uint32_t no_css = good & ~cc::kCssMask;
  const FailingEnable cases[] = {
      {"CSS 001b (reserved)", kLinuxAqa, kAsq, kAcq, no_css | 1u << 4,
       "CC.CSS selects a command set CAP.CSS does not offer", 1},
      {"CSS 111b (admin only, not offered)", kLinuxAqa, kAsq, kAcq, no_css | 7u << 4,
       "CC.CSS selects a command set CAP.CSS does not offer", 7},
      {"MPS 1 (8 KiB) above MPSMAX", kLinuxAqa, kAsq, kAcq, good | 1u << 7,
       "CC.MPS is above CAP.MPSMAX", 1},
      {"MPS 15", kLinuxAqa, kAsq, kAcq, good | 15u << 7, "CC.MPS is above CAP.MPSMAX", 15},
      {"AMS 001b (WRR, not offered)", kLinuxAqa, kAsq, kAcq, good | 1u << 11,
       "CC.AMS selects an arbitration mechanism CAP.AMS does not offer", 1},
      {"AMS 010b (reserved)", kLinuxAqa, kAsq, kAcq, good | 2u << 11,
       "CC.AMS selects an arbitration mechanism CAP.AMS does not offer", 2},
      {"AMS 111b (vendor, not offered)", kLinuxAqa, kAsq, kAcq, good | 7u << 11,
       "CC.AMS selects an arbitration mechanism CAP.AMS does not offer", 7},
      {"ASQ with an offset", kLinuxAqa, kAsq + 0x200, kAcq, good, "ASQ is not page aligned",
       kAsq + 0x200},
      {"ASQ reserved bit 0", kLinuxAqa, kAsq | 1, kAcq, good, "ASQ is not page aligned", kAsq | 1},
      {"ACQ with an offset", kLinuxAqa, kAsq, kAcq + 8, good, "ACQ is not page aligned", kAcq + 8},
      {"ASQS 0 (one entry)", 0x001F0000, kAsq, kAcq, good, "AQA.ASQS is 0 (one entry)", 0x001F0000},
      {"ACQS 0 (one entry)", 0x0000001F, kAsq, kAcq, good, "AQA.ACQS is 0 (one entry)", 0x1F},
      {"AQA never written", 0, kAsq, kAcq, good, "AQA.ASQS is 0 (one entry)", 0},
      {"SHN 01b in the enabling write", kLinuxAqa, kAsq, kAcq, good | 1u << 14,
       "CC.SHN requests a shutdown in the enabling write", 1},
      {"SHN 10b in the enabling write", kLinuxAqa, kAsq, kAcq, good | 2u << 14,
       "CC.SHN requests a shutdown in the enabling write", 2},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ControllerRegisters r;
    wr32(r, reg::kAqa, c.aqa);
    wr64(r, reg::kAsq, c.asq);
    wr64(r, reg::kAcq, c.acq);
    EXPECT_FALSE(wr32(r, reg::kCc, c.cc & ~cc::kEn));  // fields first, as Linux
    EXPECT_FALSE(wr32(r, reg::kCc, c.cc));              // then EN: no event
    EXPECT_EQ(rd32(r, reg::kCsts), csts::kCfs);         // CFS, not RDY, SHST 00b
    EXPECT_TRUE(r.enabled());
    EXPECT_FALSE(r.ready());
    ASSERT_TRUE(r.enable_error());
    EXPECT_EQ(r.enable_error()->what, c.what);
    EXPECT_EQ(r.enable_error()->value, c.value);
    EXPECT_FALSE(r.enable_error()->describe().empty());
    // Writing EN=1 again does not retry: a reset is needed.
    EXPECT_FALSE(wr32(r, reg::kCc, good));
    EXPECT_EQ(rd32(r, reg::kCsts), csts::kCfs);
    // Linux resets after CFS: EN 1->0 clears CFS and the error.
    auto ev = wr32(r, reg::kCc, 0);
    ASSERT_TRUE(ev);
    EXPECT_TRUE(std::holds_alternative<ResetEvent>(*ev));
    EXPECT_EQ(rd32(r, reg::kCsts), 0u);
    EXPECT_FALSE(r.enable_error());
    // And with good values the controller comes up.
    EXPECT_EQ(enable_like_linux(r).admin.sq_base, kAsq);
    EXPECT_EQ(rd32(r, reg::kCsts), csts::kRdy);
  }
}

TEST(ControllerRegs, DisableIsAControllerReset) {
  ControllerRegisters r;
  enable_like_linux(r);
  wr32(r, reg::kIntms, 0x3);
  // nvme_disable_ctrl(shutdown=false): clear EN (and SHN), wait for RDY 0.
  auto ev = wr32(r, reg::kCc, kLinuxCc);
  ASSERT_TRUE(ev);
  EXPECT_TRUE(std::holds_alternative<ResetEvent>(*ev));
  EXPECT_EQ(rd32(r, reg::kCsts), 0u);
  EXPECT_EQ(rd32(r, reg::kCc), 0u);  // registers back to reset values...
  EXPECT_EQ(rd32(r, reg::kIntms), 0u);
  EXPECT_EQ(rd32(r, reg::kAqa), kLinuxAqa);  // ...except AQA, ASQ, ACQ
  EXPECT_EQ(rd64(r, reg::kAsq), kAsq);
  EXPECT_EQ(rd64(r, reg::kAcq), kAcq);
  // Disabling a disabled controller: no event.
  EXPECT_FALSE(wr32(r, reg::kCc, 0));
  // The admin queue registers survive, so EN alone brings it back.
  ev = wr32(r, reg::kCc, kLinuxCc | cc::kEn);
  ASSERT_TRUE(ev);
  EXPECT_EQ(std::get<EnableEvent>(*ev).admin.cq_base, kAcq);
}

TEST(ControllerRegs, SetFatalSetsCfsUntilAControllerReset) {
  ControllerRegisters r;
  enable_like_linux(r);
  EXPECT_FALSE(r.fatal());
  r.set_fatal();
  EXPECT_TRUE(r.fatal());
  EXPECT_EQ(rd32(r, reg::kCsts), csts::kRdy | csts::kCfs);  // RDY stays
  r.set_fatal();                                              // idempotent
  EXPECT_EQ(rd32(r, reg::kCsts), csts::kRdy | csts::kCfs);
  // Linux's answer to CFS: disable (a controller reset), then enable again.
  auto ev = wr32(r, reg::kCc, kLinuxCc);
  ASSERT_TRUE(ev);
  EXPECT_TRUE(std::holds_alternative<ResetEvent>(*ev));
  EXPECT_EQ(rd32(r, reg::kCsts), 0u);
  ASSERT_TRUE(wr32(r, reg::kCc, kLinuxCc | cc::kEn));
  EXPECT_EQ(rd32(r, reg::kCsts), csts::kRdy);
  r.set_fatal();
  r.reset();  // power-on reset clears it too
  EXPECT_FALSE(r.fatal());
}

TEST(ControllerRegs, NormalShutdownWithEnStillSetThenReEnableAfterReset) {
  ControllerRegisters r;
  enable_like_linux(r);
  // nvme_disable_ctrl(shutdown=true): SHN 01b, EN left 1.
  auto ev = wr32(r, reg::kCc, kLinuxCc | cc::kEn | 1u << 14);
  ASSERT_TRUE(ev);
  const auto* s = std::get_if<ShutdownEvent>(&*ev);
  ASSERT_NE(s, nullptr);
  EXPECT_FALSE(s->abrupt);
  EXPECT_EQ(shst(r), 0b01u);  // occurring until the owner has flushed
  EXPECT_EQ(r.shutdown_status(), ShutdownStatus::kOccurring);
  EXPECT_TRUE(r.enabled());
  EXPECT_TRUE(r.ready());
  EXPECT_EQ(rd32(r, reg::kCsts), csts::kRdy | 0b01u << 2);
  EXPECT_TRUE(r.shutdown_complete());
  EXPECT_EQ(shst(r), 0b10u);
  EXPECT_EQ(rd32(r, reg::kCsts), csts::kRdy | 0b10u << 2);
  EXPECT_FALSE(r.shutdown_complete());  // only once
  EXPECT_EQ(shst(r), 0b10u);
  // Reset (the next probe's disable), then a fresh enable.
  ev = wr32(r, reg::kCc, 0);
  ASSERT_TRUE(ev);
  EXPECT_TRUE(std::holds_alternative<ResetEvent>(*ev));
  EXPECT_EQ(rd32(r, reg::kCsts), 0u);
  enable_like_linux(r);
  EXPECT_EQ(rd32(r, reg::kCsts), csts::kRdy);
}

TEST(ControllerRegs, AbruptShutdown) {
  ControllerRegisters r;
  enable_like_linux(r);
  auto ev = wr32(r, reg::kCc, kLinuxCc | cc::kEn | 2u << 14);
  ASSERT_TRUE(ev);
  EXPECT_TRUE(std::get<ShutdownEvent>(*ev).abrupt);
  EXPECT_EQ(shst(r), 0b01u);
  EXPECT_TRUE(r.shutdown_complete());
  EXPECT_EQ(shst(r), 0b10u);
  EXPECT_TRUE(r.ready());
}

TEST(ControllerRegs, ReservedShnCountsAsNormalShutdown) {
  ControllerRegisters r;
  enable_like_linux(r);
  auto ev = wr32(r, reg::kCc, kLinuxCc | cc::kEn | 3u << 14);
  ASSERT_TRUE(ev);
  EXPECT_FALSE(std::get<ShutdownEvent>(*ev).abrupt);
}

TEST(ControllerRegs, OneShutdownPerEnable) {
  ControllerRegisters r;
  enable_like_linux(r);
  ASSERT_TRUE(wr32(r, reg::kCc, kLinuxCc | cc::kEn | 1u << 14));
  // While occurring: another SHN value, back to 00b and again: no event.
  EXPECT_FALSE(wr32(r, reg::kCc, kLinuxCc | cc::kEn | 2u << 14));
  EXPECT_FALSE(wr32(r, reg::kCc, kLinuxCc | cc::kEn));
  EXPECT_FALSE(wr32(r, reg::kCc, kLinuxCc | cc::kEn | 1u << 14));
  EXPECT_EQ(shst(r), 0b01u);
  EXPECT_TRUE(r.shutdown_complete());
  // After completion likewise: SHST stays 10b until a reset.
  EXPECT_FALSE(wr32(r, reg::kCc, kLinuxCc | cc::kEn));
  EXPECT_FALSE(wr32(r, reg::kCc, kLinuxCc | cc::kEn | 1u << 14));
  EXPECT_EQ(shst(r), 0b10u);
}

TEST(ControllerRegs, ResetAbandonsAShutdownInProgress) {
  ControllerRegisters r;
  enable_like_linux(r);
  ASSERT_TRUE(wr32(r, reg::kCc, kLinuxCc | cc::kEn | 1u << 14));
  auto ev = wr32(r, reg::kCc, 0);
  ASSERT_TRUE(ev);
  EXPECT_TRUE(std::holds_alternative<ResetEvent>(*ev));
  EXPECT_EQ(rd32(r, reg::kCsts), 0u);
  EXPECT_FALSE(r.shutdown_complete());  // the owner's late report changes nothing
  EXPECT_EQ(rd32(r, reg::kCsts), 0u);
}

TEST(ControllerRegs, ShutdownWhileNotReadyCompletesAtOnce) {
  {
    ControllerRegisters r;  // disabled
    EXPECT_FALSE(wr32(r, reg::kCc, 1u << 14));
    EXPECT_EQ(rd32(r, reg::kCsts), 0b10u << 2);
    EXPECT_FALSE(r.shutdown_complete());
    // Enabling (with SHN cleared) starts from a clean CSTS.
    configure_like_linux(r);
    ASSERT_TRUE(wr32(r, reg::kCc, kLinuxCc | cc::kEn));
    EXPECT_EQ(rd32(r, reg::kCsts), csts::kRdy);
  }
  {
    ControllerRegisters r;  // enable failed (no AQA): CFS, EN 1
    wr64(r, reg::kAsq, kAsq);
    wr64(r, reg::kAcq, kAcq);
    EXPECT_FALSE(wr32(r, reg::kCc, kLinuxCc | cc::kEn));
    ASSERT_EQ(rd32(r, reg::kCsts), csts::kCfs);
    EXPECT_FALSE(wr32(r, reg::kCc, kLinuxCc | cc::kEn | 1u << 14));
    EXPECT_EQ(rd32(r, reg::kCsts), csts::kCfs | 0b10u << 2);
  }
}

TEST(ControllerRegs, CcFieldsFrozenWhileEnabled) {
  ControllerRegisters r;
  enable_like_linux(r);
  // CSS 000b, MPS 1, AMS 001b, IOSQES 7, IOCQES 5: only the queue entry sizes change.
  const uint32_t attempt = cc::kEn | 1u << 7 | 1u << 11 | 7u << 16 | 5u << 20;
  EXPECT_FALSE(wr32(r, reg::kCc, attempt));
  const uint32_t c = rd32(r, reg::kCc);
  EXPECT_EQ(c & cc::kCssMask, 6u << 4);
  EXPECT_EQ(c & cc::kMpsMask, 0u);
  EXPECT_EQ(c & cc::kAmsMask, 0u);
  EXPECT_EQ(r.iosqes(), 7);
  EXPECT_EQ(r.iocqes(), 5);
  EXPECT_EQ(rd32(r, reg::kCsts), csts::kRdy);
  // While disabled every field is writable.
  ASSERT_TRUE(wr32(r, reg::kCc, 0));
  EXPECT_FALSE(wr32(r, reg::kCc, attempt & ~cc::kEn));
  EXPECT_EQ(rd32(r, reg::kCc), attempt & ~cc::kEn);
}

TEST(ControllerRegs, CcReservedBitsReadZero) {
  ControllerRegisters r;
  EXPECT_FALSE(wr32(r, reg::kCc, 0xff00'000e));  // bits 3:1 and 31:24 (CRIME included)
  EXPECT_EQ(rd32(r, reg::kCc), 0u);
}

TEST(ControllerRegs, InterruptMaskSetAndClear) {
  ControllerRegisters r;
  EXPECT_FALSE(wr32(r, reg::kIntms, 0x5));
  EXPECT_EQ(rd32(r, reg::kIntms), 0x5u);
  EXPECT_EQ(rd32(r, reg::kIntmc), 0x5u);  // both read the mask
  wr32(r, reg::kIntms, 0x8000'0002);
  EXPECT_EQ(r.intms(), 0x8000'0007u);
  wr32(r, reg::kIntmc, 0x4);
  EXPECT_EQ(rd32(r, reg::kIntms), 0x8000'0003u);
  wr32(r, reg::kIntmc, 0);  // writing 0 changes nothing
  wr32(r, reg::kIntms, 0);
  EXPECT_EQ(rd32(r, reg::kIntmc), 0x8000'0003u);
  wr32(r, reg::kIntmc, 0xffff'ffff);
  EXPECT_EQ(rd32(r, reg::kIntms), 0u);
}

TEST(ControllerRegs, WritesToReadOnlyAndUnimplementedRegistersAreIgnored) {
  ControllerRegisters r;
  enable_like_linux(r);
  const uint64_t cap = r.cap();
  EXPECT_FALSE(wr32(r, reg::kVs, 0x0002'0000));
  EXPECT_FALSE(wr32(r, reg::kCsts, 0xffff'ffff));  // incl. NSSRO (RW1C) and PP
  EXPECT_FALSE(wr32(r, reg::kCsts, 0));
  EXPECT_FALSE(wr32(r, reg::kNssr, 0x4E56'4D65));  // "NVMe": NSSRS is 0
  EXPECT_FALSE(wr32(r, reg::kCap, 0));
  EXPECT_FALSE(wr32(r, reg::kCap + 4, 0));
  EXPECT_EQ(r.cap(), cap);
  EXPECT_EQ(rd32(r, reg::kVs), kVersion);
  EXPECT_EQ(rd32(r, reg::kCsts), csts::kRdy);
  EXPECT_EQ(rd32(r, reg::kNssr), 0u);
  for (uint64_t off : {0x38u, 0x3Cu, 0x40u, 0x44u, 0x48u, 0x50u, 0x58u, 0x64u, 0x68u, 0xE00u,
                       0xE04u, 0xFFCu}) {
    EXPECT_FALSE(wr32(r, off, 0xffff'ffff));
    EXPECT_EQ(rd32(r, off), 0u) << std::hex << off;
  }
  EXPECT_FALSE(wr64(r, 0x48, ~uint64_t{0}));  // BPMBL
  EXPECT_FALSE(wr64(r, 0x50, ~uint64_t{0}));  // CMBMSC (CAP.CMBS 0)
  EXPECT_EQ(rd64(r, 0x50), 0u);
  EXPECT_TRUE(r.ready());
}

TEST(ControllerRegs, OddSizesAndMisalignedAccessesReadZeroAndAreIgnored) {
  ControllerRegisters r;
  enable_like_linux(r);
  wr32(r, reg::kIntms, 0xffff'ffff);
  const uint32_t cc_before = r.cc();
  // Reads: every size other than 4 and 8, at every offset of the busy area.
  for (size_t size : {1u, 2u, 3u, 5u, 6u, 7u, 12u, 16u, 64u}) {
    for (uint64_t off = 0; off < 0x40; ++off) {
      std::vector<uint8_t> b(size, 0xAA);
      r.read(off, b);
      for (uint8_t x : b) ASSERT_EQ(x, 0) << "size " << size << " off " << off;
    }
  }
  // Misaligned 4- and 8-byte reads (an 8-byte read must be 8-byte aligned).
  for (uint64_t off : {0x01u, 0x02u, 0x03u, 0x15u, 0x1Du, 0xFFEu}) {
    EXPECT_EQ(rd32(r, off), 0u) << off;
  }
  for (uint64_t off : {0x04u, 0x0Cu, 0x14u, 0x1Cu, 0x2Cu, 0x01u}) {
    EXPECT_EQ(rd64(r, off), 0u) << off;
  }
  // Beyond the register file, and offsets that would wrap.
  EXPECT_EQ(rd32(r, 0x1000), 0u);
  EXPECT_EQ(rd64(r, 0xFFC), 0u);  // misaligned and crosses 1000h
  EXPECT_EQ(rd64(r, 0xFF8), 0u);  // last qword: unimplemented
  EXPECT_EQ(rd32(r, std::numeric_limits<uint64_t>::max() - 3), 0u);
  EXPECT_EQ(rd64(r, std::numeric_limits<uint64_t>::max() - 7), 0u);
  r.read(0, std::span<uint8_t>());  // empty: nothing to fill

  // Writes of those shapes are ignored: one byte with SHN set, a 2-byte write
  // clearing EN, misaligned dwords over CC, INTMC and AQA.
  EXPECT_FALSE(wr(r, reg::kCc + 1, 0x40, 1));
  EXPECT_FALSE(wr(r, reg::kCc, 0, 1));
  EXPECT_FALSE(wr(r, reg::kCc, 0, 2));
  EXPECT_FALSE(wr(r, reg::kCc, 0, 3));
  EXPECT_FALSE(wr(r, reg::kCc + 2, 0, 4));
  EXPECT_FALSE(wr(r, reg::kCc - 1, 0, 4));
  EXPECT_FALSE(wr(r, reg::kIntmc + 1, 0xffff'ffff, 4));
  EXPECT_FALSE(wr(r, reg::kCc - 4, 0, 16));
  EXPECT_FALSE(wr(r, reg::kCc, 0, 8));  // 8 bytes at a 4-byte aligned offset
  EXPECT_FALSE(wr(r, reg::kAqa + 2, 0, 4));
  EXPECT_FALSE(wr(r, std::numeric_limits<uint64_t>::max() - 3, 0, 4));
  EXPECT_FALSE(wr(r, 0x1000, 0, 4));
  EXPECT_FALSE(r.write(reg::kCc, std::span<const uint8_t>()));
  EXPECT_EQ(r.cc(), cc_before);
  EXPECT_EQ(rd32(r, reg::kCsts), csts::kRdy);
  EXPECT_EQ(r.intms(), 0xffff'ffffu);
  EXPECT_EQ(r.aqa(), kLinuxAqa);
}

TEST(ControllerRegs, EightByteAccessOverTwo32BitRegistersIsTwoDwordAccesses) {
  ControllerRegisters r;
  wr32(r, reg::kIntms, 0x30);
  EXPECT_EQ(rd64(r, 0x08), kVersion | uint64_t{0x30} << 32);  // VS, INTMS
  EXPECT_EQ(rd64(r, 0x20), 0u);                               // NSSR, AQA
  // INTMC (low) and CC (high) in one access: the CC half enables.
  wr32(r, reg::kAqa, kLinuxAqa);
  wr64(r, reg::kAsq, kAsq);
  wr64(r, reg::kAcq, kAcq);
  auto ev = wr64(r, 0x10, 0x10 | uint64_t{kLinuxCc | cc::kEn} << 32);
  ASSERT_TRUE(ev);
  EXPECT_TRUE(std::holds_alternative<EnableEvent>(*ev));
  EXPECT_EQ(r.intms(), 0x20u);
  EXPECT_EQ(rd64(r, 0x18), uint64_t{csts::kRdy} << 32);  // reserved 18h, CSTS
  // NSSR (ignored) and AQA.
  wr64(r, 0x20, 0x4E56'4D65 | uint64_t{0x0003'0007} << 32);
  EXPECT_EQ(r.aqa(), 0x0003'0007u);
  EXPECT_TRUE(r.ready());
}

TEST(ControllerRegs, PowerOnResetClearsEverything) {
  ControllerRegisters r;
  enable_like_linux(r);
  wr32(r, reg::kIntms, 1);
  r.reset();
  EXPECT_EQ(rd32(r, reg::kCc), 0u);
  EXPECT_EQ(rd32(r, reg::kCsts), 0u);
  EXPECT_EQ(rd32(r, reg::kIntms), 0u);
  EXPECT_EQ(rd32(r, reg::kAqa), 0u);
  EXPECT_EQ(rd64(r, reg::kAsq), 0u);
  EXPECT_EQ(rd64(r, reg::kAcq), 0u);
  EXPECT_EQ(r.cap(), capabilities({}));
  enable_like_linux(r);
}

TEST(ControllerRegs, DoorbellOffsets) {
  EXPECT_EQ(sq_tail_doorbell(0), 0x1000u);
  EXPECT_EQ(cq_head_doorbell(0), 0x1004u);
  EXPECT_EQ(sq_tail_doorbell(1), 0x1008u);
  EXPECT_EQ(cq_head_doorbell(1), 0x100Cu);
  EXPECT_EQ(sq_tail_doorbell(65535), 0x1000u + 65535u * 8);
  EXPECT_EQ(doorbells_end(4), 0x1028u);
  EXPECT_EQ(doorbells_end(65535), 0x1000u + 65536u * 8);
}

TEST(ControllerRegs, DecodeDoorbells) {
  constexpr uint16_t kPairs = 4;
  using D = Doorbell;
  EXPECT_EQ(decode_doorbell(0x1000, 4, kPairs), (D{0, D::kSqTail}));  // admin SQ tail
  EXPECT_EQ(decode_doorbell(0x1004, 4, kPairs), (D{0, D::kCqHead}));  // admin CQ head
  EXPECT_EQ(decode_doorbell(0x1008, 4, kPairs), (D{1, D::kSqTail}));
  EXPECT_EQ(decode_doorbell(0x100C, 4, kPairs), (D{1, D::kCqHead}));
  EXPECT_EQ(decode_doorbell(0x1024, 4, kPairs), (D{4, D::kCqHead}));  // last configured
  for (uint16_t q = 0; q <= kPairs; ++q) {
    EXPECT_EQ(decode_doorbell(sq_tail_doorbell(q), 4, kPairs), (D{q, D::kSqTail}));
    EXPECT_EQ(decode_doorbell(cq_head_doorbell(q), 4, kPairs), (D{q, D::kCqHead}));
  }
  // Beyond the configured queues.
  EXPECT_FALSE(decode_doorbell(0x1028, 4, kPairs));
  EXPECT_FALSE(decode_doorbell(0x102C, 4, kPairs));
  EXPECT_FALSE(decode_doorbell(0x2000, 4, kPairs));
  EXPECT_FALSE(decode_doorbell(std::numeric_limits<uint64_t>::max() - 3, 4, kPairs));
  // Not doorbells: registers, misaligned, other widths.
  EXPECT_FALSE(decode_doorbell(0xFFC, 4, kPairs));
  EXPECT_FALSE(decode_doorbell(reg::kCc, 4, kPairs));
  EXPECT_FALSE(decode_doorbell(0x1002, 4, kPairs));
  EXPECT_FALSE(decode_doorbell(0x1001, 4, kPairs));
  EXPECT_FALSE(decode_doorbell(0x1000, 2, kPairs));
  EXPECT_FALSE(decode_doorbell(0x1000, 8, kPairs));
  EXPECT_FALSE(decode_doorbell(0x1000, 1, kPairs));
  EXPECT_FALSE(decode_doorbell(0x1000, 0, kPairs));
  // Largest controller: qid 65535.
  EXPECT_EQ(decode_doorbell(cq_head_doorbell(65535), 4, 65535), (D{65535, D::kCqHead}));
  EXPECT_FALSE(decode_doorbell(doorbells_end(65535), 4, 65535));
  // Admin queue only.
  EXPECT_EQ(decode_doorbell(0x1004, 4, 0), (D{0, D::kCqHead}));
  EXPECT_FALSE(decode_doorbell(0x1008, 4, 0));
}

}  // namespace
}  // namespace zvmm::nvme

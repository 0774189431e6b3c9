// A host NVMe driver simulator for controller tests: does over guest memory
// and BAR0 what Linux 6.12's nvme-pci does (drivers/nvme/host/pci.c):
// AQA/ASQ/ACQ, CC with EN, waits for RDY, admin commands, Create I/O CQ/SQ,
// I/O commands with PRPs (built as nvme_pci_setup_prps does), CQ polling by
// Phase Tag, SQ tail / CQ head doorbells, and shadow doorbells with the
// EventIdx check (nvme_dbbuf_update_and_check_event).
//
// Threads: one thread per queue; admin commands from one thread at a time.
// Allocation (alloc) is thread-safe. Guest memory the controller reads
// concurrently (SQEs, shadow slots) is written before the doorbell (release)
// or with atomics.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <thread>
#include <vector>

#include "base/le.h"
#include "devices/nvme/controller_regs.h"
#include "devices/nvme/nvme_command.h"
#include "devices/nvme/nvme_controller.h"
#include "devices/nvme/testing/prp_builder.h"
#include "vmm/guest_memory.h"

namespace zvmm::nvme::testing {

// Interrupt counts per vector.
class CountingInterrupt final : public NvmeInterrupt {
 public:
  void signal(uint16_t vector) override { counts_[vector % counts_.size()].fetch_add(1); }
  uint64_t count(uint16_t vector) const { return counts_[vector % counts_.size()].load(); }

 private:
  std::array<std::atomic<uint64_t>, 64> counts_{};
};

// A completion as the host reads it.
struct Completion {
  uint32_t dw0 = 0, dw1 = 0;
  uint16_t sq_head = 0, sq_id = 0, cid = 0;
  uint16_t status = 0;  // without the phase bit: SC 7:0, SCT 10:8, DNR 14
  uint8_t sc() const { return status & 0xff; }
  uint8_t sct() const { return (status >> 8) & 0x7; }
  bool dnr() const { return status & (1u << 14); }
  bool ok() const { return (status & 0x7ff) == 0; }
};

inline Sqe make_sqe(uint8_t opcode, uint16_t cid = 0, uint32_t nsid = 0) {
  Sqe s;
  s.bytes[0] = opcode;
  store_le<uint16_t>(s.bytes, 2, cid);
  store_le<uint32_t>(s.bytes, 4, nsid);
  return s;
}
inline void set_cdw(Sqe& s, unsigned n, uint32_t v) { store_le<uint32_t>(s.bytes, 4 * n, v); }
inline void set_prps(Sqe& s, uint64_t prp1, uint64_t prp2) {
  store_le<uint64_t>(s.bytes, 24, prp1);
  store_le<uint64_t>(s.bytes, 32, prp2);
}

class FakeHost {
 public:
  static constexpr std::chrono::seconds kTimeout{20};

  // Host memory for queues and buffers comes from [arena, arena + bytes).
  FakeHost(NvmeController& ctrl, const GuestMemory& mem, uint64_t arena, uint64_t bytes)
      : ctrl_(ctrl), mem_(mem), next_(arena), end_(arena + bytes) {}

  NvmeController& controller() { return ctrl_; }
  const GuestMemory& mem() const { return mem_; }

  // Page-aligned guest memory, zeroed.
  uint64_t alloc(uint64_t bytes) {
    std::lock_guard lock(alloc_mu_);
    const uint64_t gpa = next_;
    next_ += (bytes + 4095) / 4096 * 4096;
    if (next_ > end_) throw std::runtime_error("fake host arena exhausted");
    auto s = mem_.slice(gpa, bytes);
    std::memset(s->data(), 0, s->size());
    return gpa;
  }
  std::span<uint8_t> bytes(uint64_t gpa, uint64_t len) const { return mem_.slice(gpa, len).value(); }

  // ---- registers ----
  uint32_t read32(uint64_t off) {
    uint8_t b[4];
    ctrl_.mmio_read(off, b);
    return load_le<uint32_t>(b);
  }
  void write32(uint64_t off, uint32_t v) {
    uint8_t b[4];
    store_le<uint32_t>(b, 0, v);
    if (off >= kDoorbellBase) {
      std::lock_guard lock(count_mu_);
      ++doorbell_writes_[off];
    }
    ctrl_.mmio_write(off, b);
  }
  void write64(uint64_t off, uint64_t v) {  // lo_hi_writeq
    write32(off, static_cast<uint32_t>(v));
    write32(off + 4, static_cast<uint32_t>(v >> 32));
  }
  uint32_t csts() { return read32(reg::kCsts); }
  // Trapped doorbell writes at `off` so far.
  uint64_t doorbell_writes(uint64_t off) {
    std::lock_guard lock(count_mu_);
    return doorbell_writes_[off];
  }

  static constexpr uint32_t kCc = (6u << 4) | (6u << 16) | (4u << 20);  // CSS 110b, IOSQES 6, IOCQES 4

  // nvme_pci_configure_admin_queue + nvme_enable_ctrl. Returns CSTS.
  // `css`: CC.CSS (Linux: 110b when CAP.CSS bit 6 is set, else 000b).
  uint32_t enable(uint16_t admin_entries = 32, std::optional<uint64_t> asq = {},
                  std::optional<uint64_t> acq = {}, uint8_t css = cc::kCssAllIoSets) {
    const uint32_t cc_value = (kCc & ~cc::kCssMask) | uint32_t{css} << cc::kCssShift;
    write32(reg::kCc, 0);
    QueueState& a = queues_[0];
    a = QueueState{};
    a.qid = 0;
    a.sq_entries = a.cq_entries = admin_entries;
    a.sq = asq ? *asq : alloc(uint64_t{admin_entries} * 64);
    a.cq = acq ? *acq : alloc(uint64_t{admin_entries} * 16);
    write32(reg::kAqa, (admin_entries - 1u) | (admin_entries - 1u) << 16);
    write64(reg::kAsq, a.sq);
    write64(reg::kAcq, a.cq);
    write32(reg::kCc, cc_value);
    write32(reg::kCc, cc_value | cc::kEn);
    next_cid_ = 0;
    return csts();
  }
  // CC.EN = 0 (nvme_disable_ctrl(shutdown=false)). Host queue state forgotten.
  uint32_t disable() {
    write32(reg::kCc, kCc);
    for (auto& [qid, q] : queues_) q.shadowed = false;
    shadow_db_ = shadow_ei_ = 0;
    return csts();
  }
  // CC.SHN = 01b with EN set; waits for SHST = 10b. Returns CSTS.
  uint32_t shutdown() {
    write32(reg::kCc, kCc | cc::kEn | (uint32_t{cc::kShnNormal} << cc::kShnShift));
    const auto deadline = std::chrono::steady_clock::now() + kTimeout;
    while (((csts() & csts::kShstMask) >> csts::kShstShift) != 0b10 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return csts();
  }

  // ---- queues ----
  struct QueueState {
    uint16_t qid = 0;
    uint32_t sq_entries = 0, cq_entries = 0;
    uint64_t sq = 0, cq = 0;
    uint32_t sq_tail = 0, cq_head = 0;
    bool phase = true;
    bool shadowed = false;
    uint16_t next_cid = 0;  // I/O queues
  };
  QueueState& queue(uint16_t qid) { return queues_.at(qid); }

  // Writes `sqe` at the SQ tail and advances the host's tail; no doorbell.
  void put(uint16_t qid, const Sqe& sqe) {
    QueueState& q = queues_.at(qid);
    auto slot = bytes(q.sq + uint64_t{q.sq_tail} * 64, 64);
    // Relaxed atomic stores: a host that broke the protocol (the fuzz test's
    // random doorbells) may be writing a slot the controller is copying.
    auto* dst = reinterpret_cast<uint64_t*>(slot.data());
    for (size_t i = 0; i < 8; ++i) {
      uint64_t v;
      std::memcpy(&v, sqe.bytes.data() + 8 * i, 8);
      std::atomic_ref<uint64_t>(dst[i]).store(v, std::memory_order_relaxed);
    }
    q.sq_tail = (q.sq_tail + 1) % q.sq_entries;
  }
  // Rings the SQ tail doorbell (nvme_write_sq_db): through the shadow slot
  // and only when EventIdx says so once shadow doorbells are on.
  void ring_sq(uint16_t qid) {
    QueueState& q = queues_.at(qid);
    std::atomic_thread_fence(std::memory_order_release);  // wmb()
    if (q.shadowed && update_shadow(qid, true, q.sq_tail)) return;
    write32(sq_tail_doorbell(qid), q.sq_tail);
  }
  void submit(uint16_t qid, const Sqe& sqe) {
    put(qid, sqe);
    ring_sq(qid);
  }
  // The next CQE if its phase says it is new (advances the host's head, no
  // doorbell).
  std::optional<Completion> peek(uint16_t qid) {
    QueueState& q = queues_.at(qid);
    auto e = bytes(q.cq + uint64_t{q.cq_head} * 16, 16);
    const uint32_t dw3 =
        std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(e.data() + 12)).load(std::memory_order_acquire);
    if (bool(dw3 & (1u << 16)) != q.phase) return std::nullopt;
    Completion c;
    c.dw0 = load_le<uint32_t>(e, 0);
    c.dw1 = load_le<uint32_t>(e, 4);
    c.sq_head = load_le<uint16_t>(e, 8);
    c.sq_id = load_le<uint16_t>(e, 10);
    c.cid = dw3 & 0xffff;
    c.status = static_cast<uint16_t>(dw3 >> 17);
    q.cq_head = (q.cq_head + 1) % q.cq_entries;
    if (q.cq_head == 0) q.phase = !q.phase;
    return c;
  }
  // nvme_ring_cq_doorbell.
  void ring_cq(uint16_t qid) {
    QueueState& q = queues_.at(qid);
    if (q.shadowed && update_shadow(qid, false, q.cq_head)) return;
    write32(cq_head_doorbell(qid), q.cq_head);
  }
  // Reaps every new CQE and rings the CQ head doorbell once.
  std::vector<Completion> reap(uint16_t qid) {
    std::vector<Completion> out;
    while (auto c = peek(qid)) out.push_back(*c);
    if (!out.empty()) ring_cq(qid);
    return out;
  }
  // Waits for the completion with `cid` on CQ `cqid`, collecting others into
  // `others`. Throws on timeout.
  Completion wait(uint16_t cqid, uint16_t cid, std::vector<Completion>* others = nullptr) {
    const auto deadline = std::chrono::steady_clock::now() + kTimeout;
    for (;;) {
      std::optional<Completion> found;
      for (const Completion& c : reap(cqid)) {
        if (c.cid == cid && !found) found = c;
        else if (others) others->push_back(c);
      }
      if (found) return *found;
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error("timeout waiting for CID " + std::to_string(cid) + " on CQ " +
                                 std::to_string(cqid));
      }
      std::this_thread::yield();
    }
  }
  uint16_t next_cid() { return next_cid_++; }

  // ---- admin commands ----
  Completion admin(Sqe sqe) {
    const uint16_t cid = next_cid();
    store_le<uint16_t>(sqe.bytes, 2, cid);
    submit(0, sqe);
    return wait(0, cid);
  }
  Completion create_cq(uint16_t qid, uint32_t entries, uint16_t iv, bool ien = true, bool pc = true,
                       std::optional<uint64_t> base = {}) {
    const uint64_t gpa = base ? *base : alloc(uint64_t{entries} * 16);
    Sqe s = make_sqe(admin_opcode::kCreateIoCq);
    set_prps(s, gpa, 0);
    set_cdw(s, 10, qid | (entries - 1) << 16);
    set_cdw(s, 11, (pc ? 1u : 0u) | (ien ? 2u : 0u) | uint32_t{iv} << 16);
    Completion c = admin(s);
    if (c.ok()) {
      QueueState& q = queues_[qid];
      q.qid = qid;
      q.cq_entries = entries;
      q.cq = gpa;
      q.cq_head = 0;
      q.phase = true;
      q.shadowed = shadow_db_ != 0;
    }
    return c;
  }
  Completion create_sq(uint16_t qid, uint32_t entries, uint16_t cqid, bool pc = true,
                       std::optional<uint64_t> base = {}) {
    const uint64_t gpa = base ? *base : alloc(uint64_t{entries} * 64);
    Sqe s = make_sqe(admin_opcode::kCreateIoSq);
    set_prps(s, gpa, 0);
    set_cdw(s, 10, qid | (entries - 1) << 16);
    set_cdw(s, 11, (pc ? 1u : 0u) | uint32_t{cqid} << 16);
    Completion c = admin(s);
    if (c.ok()) {
      QueueState& q = queues_[qid];  // Linux pairs SQ y with CQ y
      q.sq = gpa;
      q.sq_tail = 0;
      q.sq_entries = entries;
    }
    return c;
  }
  // Create I/O CQ then SQ, like nvme_create_queue: IV = qid.
  void create_pair(uint16_t qid, uint32_t entries) {
    if (!create_cq(qid, entries, qid).ok()) throw std::runtime_error("create cq failed");
    if (!create_sq(qid, entries, qid).ok()) throw std::runtime_error("create sq failed");
  }
  Completion delete_sq(uint16_t qid) {
    Sqe s = make_sqe(admin_opcode::kDeleteIoSq);
    set_cdw(s, 10, qid);
    return admin(s);
  }
  Completion delete_cq(uint16_t qid) {
    Sqe s = make_sqe(admin_opcode::kDeleteIoCq);
    set_cdw(s, 10, qid);
    return admin(s);
  }
  Completion identify(uint8_t cns, uint32_t nsid, std::vector<uint8_t>* out = nullptr) {
    const uint64_t buf = alloc(4096);
    Sqe s = make_sqe(admin_opcode::kIdentify, 0, nsid);
    set_prps(s, buf, 0);
    set_cdw(s, 10, cns);
    Completion c = admin(s);
    if (out) {
      auto b = bytes(buf, 4096);
      out->assign(b.begin(), b.end());
    }
    return c;
  }
  // nvme_dbbuf_set: after the I/O queues exist.
  Completion doorbell_buffer_config() {
    const uint64_t db = alloc(4096), ei = alloc(4096);
    Sqe s = make_sqe(admin_opcode::kDoorbellBufferConfig);
    set_prps(s, db, ei);
    Completion c = admin(s);
    if (c.ok()) {
      shadow_db_ = db;
      shadow_ei_ = ei;
      for (auto& [qid, q] : queues_) q.shadowed = qid != 0;
    }
    return c;
  }

  // ---- I/O ----
  // Read/Write Sqe over a buffer at `buf` (`len` bytes, physically
  // contiguous), PRPs as Linux builds them (lists from fresh pages).
  Sqe rw(uint8_t opcode, uint32_t nsid, uint64_t slba, uint32_t nlb, uint64_t buf, uint64_t len) {
    Sqe s = make_sqe(opcode, 0, nsid);
    const DmaSegment seg{buf, len};
    std::vector<uint64_t> lists;
    const uint64_t pages = (len + 4095) / 4096 + 1;
    if (pages > 2) {
      for (uint64_t i = 0; i < (pages + 510) / 511 + 1; ++i) lists.push_back(alloc(4096));
    }
    const PrpDataPointer d = build_linux_prps(mem_, std::span(&seg, 1), lists);
    set_prps(s, d.prp1, d.prp2);
    set_cdw(s, 10, static_cast<uint32_t>(slba));
    set_cdw(s, 11, static_cast<uint32_t>(slba >> 32));
    set_cdw(s, 12, nlb - 1);
    return s;
  }
  // Submit on SQ qid and wait on CQ qid.
  Completion io(uint16_t qid, Sqe sqe) {
    const uint16_t cid = queues_.at(qid).next_cid++;
    store_le<uint16_t>(sqe.bytes, 2, cid);
    submit(qid, sqe);
    return wait(qid, cid);
  }

 private:
  // nvme_dbbuf_update_and_check_event: true if the MMIO doorbell is skipped.
  bool update_shadow(uint16_t qid, bool sq, uint32_t value) {
    const uint64_t off = 8 * uint64_t{qid} + (sq ? 0 : 4);
    auto* db = reinterpret_cast<uint32_t*>(bytes(shadow_db_ + off, 4).data());
    auto* ei = reinterpret_cast<uint32_t*>(bytes(shadow_ei_ + off, 4).data());
    const uint16_t old = static_cast<uint16_t>(std::atomic_ref<uint32_t>(*db).load(std::memory_order_relaxed));
    std::atomic_ref<uint32_t>(*db).store(value, std::memory_order_release);
    std::atomic_thread_fence(std::memory_order_seq_cst);  // mb()
    const uint16_t event_idx =
        static_cast<uint16_t>(std::atomic_ref<uint32_t>(*ei).load(std::memory_order_acquire));
    const uint16_t nv = static_cast<uint16_t>(value);
    const bool need_event = static_cast<uint16_t>(nv - event_idx - 1) < static_cast<uint16_t>(nv - old);
    return !need_event;
  }

  NvmeController& ctrl_;
  const GuestMemory& mem_;
  std::mutex alloc_mu_;
  uint64_t next_, end_;
  std::mutex count_mu_;
  std::map<uint64_t, uint64_t> doorbell_writes_;
  std::map<uint16_t, QueueState> queues_;  // created before threads use them
  uint16_t next_cid_ = 0;
  uint64_t shadow_db_ = 0, shadow_ei_ = 0;
};

}  // namespace zvmm::nvme::testing

// NVMe submission and completion queue rings over guest memory (NVMe Base
// Specification 2.0, section 3.3.1 "Memory-Based Transport Queue Model": the
// circular queues, their head/tail pointers, the full/empty rules and the
// Phase Tag) and the shadow doorbell slots of Doorbell Buffer Config (section
// 5.7, admin 7Ch; /work/shared/notes/nvme-zns.md section 4).
//
// Units: GPAs are guest physical addresses; head, tail and entries count
// queue entries (SQ entries are 64 bytes, CC.IOSQES 6; CQ entries 16 bytes,
// CC.IOCQES 4). A queue with N entries holds at most N - 1 (full when
// tail + 1 == head, modulo N; empty when head == tail).
//
// A queue is created only over a ring wholly inside one guest RAM region
// (create() returns nullopt otherwise: the caller answers Invalid Field, or
// CSTS.CFS for the admin queue), so every later access is a plain copy
// through the span GuestMemory::slice() handed out. Guest RAM mappings live
// as long as the GuestMemory, which outlives the controller.
//
// Guest-visible stores that the host polls (a CQE's DW3 with the Phase Tag,
// the EventIdx slots) and the loads of the host's shadow doorbell slots are
// 32-bit atomics (std::atomic_ref) with release/acquire ordering: the host
// runs concurrently on other CPUs.
//
// Threading: not thread-safe; the owner serialises every call on one queue.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <span>

#include "devices/nvme/nvme_command.h"
#include "vmm/guest_memory.h"

namespace zvmm::nvme {

// One queue's slots in the shadow doorbell buffer and the EventIdx buffer
// (Doorbell Buffer Config PRP1 / PRP2): with CAP.DSTRD 0, SQ y at byte 8y and
// CQ y at 8y + 4 of each page. Host pointers into guest RAM, 4-byte aligned.
struct ShadowSlot {
  uint32_t* doorbell = nullptr;   // the host's new tail (SQ) / head (CQ)
  uint32_t* event_idx = nullptr;  // written by the controller
  // The slots for SQ `qid` (sq = true) or CQ `qid`, in the two 4 KiB pages.
  static ShadowSlot for_queue(std::span<uint8_t> doorbells, std::span<uint8_t> event_idx,
                              uint16_t qid, bool sq);
  uint32_t load_doorbell() const;     // acquire
  void store_event_idx(uint32_t v) const;  // release, then a full fence (see the .cc)
  void store_doorbell(uint32_t v) const;
};

class SubmissionQueue {
 public:
  // The ring [base, base + 64 * entries) inside guest RAM, or nullopt.
  // entries: 2..65536.
  static std::optional<SubmissionQueue> create(const GuestMemory& mem, uint16_t qid,
                                               uint64_t base, uint32_t entries);

  uint16_t qid() const { return qid_; }
  uint32_t entries() const { return entries_; }
  uint32_t head() const { return head_; }  // SQHD: the next entry the controller fetches
  uint32_t tail() const { return tail_; }
  bool empty() const { return head_ == tail_; }
  // Entries between head and tail: what the controller may fetch now.
  uint32_t pending() const { return (tail_ + entries_ - head_) % entries_; }

  // Copies the entry at head (64 bytes) and advances head. Precondition:
  // !empty().
  Sqe pop();

  // A tail doorbell value (trapped write, or read from the shadow slot).
  // Values >= entries are ignored (returns false; the spec's "Invalid
  // Doorbell Write Value").
  bool set_tail(uint32_t value);

  // Shadow doorbells (I/O queues only).
  bool shadowed() const { return shadow_.doorbell != nullptr; }
  // Starts using `slot`: writes the current tail into both of its slots
  // (QEMU's nvme_dbbuf_config), so the host's and ours agree.
  void enable_shadow(ShadowSlot slot);
  // Reads the tail from the shadow slot (set_tail rules). Returns whether
  // entries are available afterwards.
  bool refresh_tail();
  // After taking entries: EventIdx = the tail consumed, then re-reads the
  // shadow tail (the host may have written a new tail and skipped the MMIO
  // doorbell because the old EventIdx said so). Returns whether entries are
  // available afterwards.
  bool publish_event_idx();

 private:
  SubmissionQueue(uint16_t qid, std::span<uint8_t> ring, uint32_t entries)
      : qid_(qid), ring_(ring), entries_(entries) {}

  uint16_t qid_;
  std::span<uint8_t> ring_;
  uint32_t entries_;
  uint32_t head_ = 0;
  uint32_t tail_ = 0;
  ShadowSlot shadow_;
};

class CompletionQueue {
 public:
  // The ring [base, base + 16 * entries) inside guest RAM, or nullopt.
  // entries: 2..65536. `iv`: the MSI-X vector, `ien`: interrupts enabled.
  static std::optional<CompletionQueue> create(const GuestMemory& mem, uint16_t qid, uint64_t base,
                                               uint32_t entries, uint16_t iv, bool ien);

  uint16_t qid() const { return qid_; }
  uint32_t entries() const { return entries_; }
  uint16_t iv() const { return iv_; }
  bool ien() const { return ien_; }
  uint32_t head() const { return head_; }
  uint32_t tail() const { return tail_; }
  bool phase() const { return phase_; }
  bool full() const { return (tail_ + 1) % entries_ == head_; }

  // Writes `cqe` at tail with the current Phase Tag (DW3 last, with release
  // ordering) and advances tail, inverting the phase at wrap. Precondition:
  // !full().
  void post(const Cqe& cqe);

  // A head doorbell value. Refused (returns false, head unchanged) if it is
  // >= entries or would consume entries not posted (not within [head, tail]
  // modulo entries): an invalid doorbell write value.
  bool set_head(uint32_t value);

  bool shadowed() const { return shadow_.doorbell != nullptr; }
  // Writes the current head into the shadow slot and EventIdx as
  // refresh_head(false) would.
  void enable_shadow(ShadowSlot slot);
  // Shadow head -> head (set_head rules), then EventIdx, then a re-read.
  // want_doorbell: EventIdx = head, so that the host rings the MMIO doorbell
  // at its next head update (for completions waiting for room; the re-read
  // after the store is QEMU's "missing cq eventidx update" fix). Otherwise
  // EventIdx = head - 1 (modulo entries), which the host passes only once per
  // lap of the ring: the controller reads the shadow head at its next post
  // instead, and the host does not pay a trapped MMIO write per interrupt
  // (Linux's nvme_ring_cq_doorbell checks EventIdx after every interrupt).
  void refresh_head(bool want_doorbell);

 private:
  CompletionQueue(uint16_t qid, std::span<uint8_t> ring, uint32_t entries, uint16_t iv, bool ien)
      : qid_(qid), ring_(ring), entries_(entries), iv_(iv), ien_(ien) {}

  uint16_t qid_;
  std::span<uint8_t> ring_;
  uint32_t entries_;
  uint16_t iv_;
  bool ien_;
  uint32_t head_ = 0;
  uint32_t tail_ = 0;
  bool phase_ = true;  // the Phase Tag of the first pass is 1
  ShadowSlot shadow_;
};

}  // namespace zvmm::nvme

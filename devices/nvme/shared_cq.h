// A completion queue as its producers share it: the admin CQ (admin commands
// on a vCPU thread, Asynchronous Event Request completions from any thread)
// and I/O CQs (the workers of every SQ that names it: the spec lets several
// SQs share one CQ, Linux uses them 1:1). Thread-safe.
//
// Posting never blocks and never drops: completions that find the CQ full
// wait in a backlog, in order, and are posted when the host moves the head
// (head_doorbell(), or the shadow head read at the next post). Producers stop
// fetching commands while backlogged() (NVMe: a controller shall not post to a
// full CQ, section 3.3.1.2), so the backlog is bounded by the commands they
// had in flight; a producer that stops registers its wake EventFd with
// wake_when_room() and is signalled when the head moves.
//
// Interrupts: every post()/head_doorbell() call that wrote at least one entry
// raises the CQ's vector once (if IEN), after the lock is released.
#pragma once

#include <deque>
#include <mutex>
#include <span>
#include <vector>

#include "base/event_fd.h"
#include "devices/nvme/nvme_interrupt.h"
#include "devices/nvme/queue_ring.h"

namespace zvmm::nvme {

class SharedCq {
 public:
  SharedCq(CompletionQueue ring, NvmeInterrupt& irq) : ring_(std::move(ring)), irq_(irq) {}

  uint16_t qid() const { return ring_.qid(); }  // constant
  uint16_t iv() const { return ring_.iv(); }
  bool ien() const { return ring_.ien(); }

  // Posts `cqes` (backlog first), backlogging what does not fit. Returns how
  // many were written to the ring now.
  size_t post(std::span<const Cqe> cqes);
  size_t post(const Cqe& cqe) { return post(std::span<const Cqe>(&cqe, 1)); }
  // A trapped CQ head doorbell write. Returns false if the value is invalid
  // (ignored). Posts the backlog that now fits and wakes the waiters.
  bool head_doorbell(uint32_t value);
  // Completions wait in the backlog (after posting what now fits, the
  // shadow head re-read). If so and `wake` is given, it is signalled once
  // when the head next moves: checking and registering under one lock, so a
  // head update in between cannot be missed.
  bool backlogged(const EventFd* wake = nullptr);
  // Signals `wake` once when the head next moves (at most once per
  // registration; duplicates are ignored).
  void wake_when_room(const EventFd* wake);
  // After it returns `wake` is never signalled again (call before destroying it).
  void forget_waiter(const EventFd* wake);

  void enable_shadow(ShadowSlot slot);
  // For tests and the fuzz checks.
  uint32_t head();
  uint32_t tail();
  size_t backlog_size();

  // SQs naming this CQ (Delete I/O CQ refuses while nonzero). Changed under
  // the controller lock only.
  int sq_count = 0;

 private:
  // Shadow head, then the backlog and `more` in order, then EventIdx (see the
  // .cc). Returns the entries posted.
  size_t sync_head_locked(std::span<const Cqe> more = {});
  size_t want_room_locked();   // EventIdx asks for the next head update
  size_t flush_backlog_locked();
  void wake_waiters_locked();

  std::mutex mu_;
  CompletionQueue ring_;
  std::deque<Cqe> backlog_;
  std::vector<const EventFd*> waiters_;
  NvmeInterrupt& irq_;
};

}  // namespace zvmm::nvme

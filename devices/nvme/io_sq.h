// One NVMe I/O submission queue as the device-neutral queue worker serves it
// (devices::ServicedQueue, devices/queue_worker.h): fetches the SQEs the host
// made available (tail from the trapped doorbell or the shadow doorbell
// slot), decodes them (io_commands.h), submits them to the namespace's zoned
// device through this SQ's own ZonedQueue (guest pages as segments), and
// posts their completions to its CQ (SharedCq: at most one interrupt per
// pass). The same layering as virtio's BlkQueue.
//
// Threads: service(), completion_fd(), consume_signal() and quiesce() run on
// the SQ's worker thread. tail_doorbell(), enable_shadow() and
// drop_completions() are thread-safe (vCPU threads, under the controller's
// lock).
//
// CQ full: a pass whose CQ has a backlog fetches nothing and asks the CQ to
// signal doorbell() when the head moves; the SQEs stay in the SQ.
//
// quiesce(): stops fetching and waits until every command in flight
// completed into the engine (so the disks are consistent). Their completions
// are posted (Delete I/O SQ: the commands completed before the deletion
// does) unless drop_completions() was called (controller reset: the host no
// longer owns those queues).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "base/event_fd.h"
#include "base/unique_fd.h"
#include "devices/nvme/io_commands.h"
#include "devices/nvme/log_pages.h"
#include "devices/nvme/queue_ring.h"
#include "devices/nvme/shared_cq.h"
#include "devices/queue_worker.h"

namespace zvmm::nvme {

// What every I/O SQ of a controller shares; outlives them.
struct IoContext {
  const GuestMemory& mem;
  PrpLimits limits;
  std::span<const IoNamespace> namespaces;
  HealthCounters& health;  // SMART: commands and data units completed, media errors
  ErrorLog& errors;        // Error Information: every failed command
  // Zoned namespaces: CC.CSS and the append limit. The controller changes it
  // only while no I/O SQ exists (at enable).
  ZonedIoSettings zoned = {};
};

class IoSubmissionQueue final : public devices::ServicedQueue {
 public:
  // Opens one ZonedQueue per namespace, `ring.entries()` deep. `doorbell` is
  // the controller's EventFd for this queue id: it lives as long as the
  // controller (not this queue), so a doorbell registration that outlives a
  // deleted queue never refers to a destroyed EventFd; a stale signal only
  // makes a later queue with this id run an empty pass. Throws (with
  // context) if the backend cannot (the caller answers Internal Error).
  IoSubmissionQueue(const IoContext& ctx, SubmissionQueue ring, std::shared_ptr<SharedCq> cq,
                    const EventFd& doorbell);
  ~IoSubmissionQueue() override;  // quiesce()
  IoSubmissionQueue(const IoSubmissionQueue&) = delete;
  IoSubmissionQueue& operator=(const IoSubmissionQueue&) = delete;

  uint16_t qid() const { return qid_; }
  const std::shared_ptr<SharedCq>& cq() const { return cq_; }
  // Wakes the worker: the SQ tail doorbell (trapped writes signal it; KVM
  // signals it directly once it is an ioeventfd) and CQ room.
  const EventFd& doorbell() const { return doorbell_; }

  // A trapped SQ tail doorbell write: false if the value is invalid (ignored).
  bool tail_doorbell(uint32_t value);
  void enable_shadow(ShadowSlot slot);
  bool shadowed();
  void drop_completions() { drop_.store(true); }

  // devices::ServicedQueue.
  size_t service() override;
  size_t available() override;
  int completion_fd() const override;
  void consume_signal() override;
  void quiesce() override;

  size_t outstanding() const { return outstanding_; }

 private:
  struct Request;

  void start(Request& r, const Sqe& sqe);
  void finish(Request& r);
  void part_done(Request& r, Status s);
  void drain_all();
  void post_batch();

  const IoContext& ctx_;
  const uint16_t qid_;
  std::mutex ring_mu_;  // ring_'s tail and shadow slot (vCPU threads vs the worker)
  SubmissionQueue ring_;
  std::shared_ptr<SharedCq> cq_;
  const EventFd& doorbell_;  // owned by the controller
  std::vector<std::unique_ptr<zoned::ZonedQueue>> queues_;  // one per namespace, same order
  UniqueFd epoll_;  // more than one namespace: readable when any queue's completion fd is
  std::vector<Request> requests_;
  std::vector<uint32_t> free_;
  std::vector<Sqe> fetched_;  // one pass's SQEs (reused)
  std::vector<Cqe> batch_;    // one pass's completions (reused)
  size_t outstanding_ = 0;  // requests started and not finished
  bool stopping_ = false;
  std::atomic<bool> drop_{false};
};

}  // namespace zvmm::nvme

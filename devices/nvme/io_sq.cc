#include "devices/nvme/io_sq.h"

#include <poll.h>
#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

#include "block/io_vecs.h"

namespace zvmm::nvme {

using zoned::ZoneStatus;

struct IoSubmissionQueue::Request {
  uint16_t cid = 0;
  uint32_t nsid = 0;  // for the Error Information log
  uint64_t slba = 0;
  IoOp op;
  Status status;       // first failure of its parts
  uint32_t dw0 = 0, dw1 = 0;  // command specific result (Zone Append: ALBA)
  unsigned parts = 0;  // engine calls not yet completed
  std::vector<iovec> iov;
  std::vector<DsmRange> ranges;
};

IoSubmissionQueue::IoSubmissionQueue(const IoContext& ctx, SubmissionQueue ring,
                                     std::shared_ptr<SharedCq> cq, const EventFd& doorbell)
    : ctx_(ctx),
      qid_(ring.qid()),
      ring_(std::move(ring)),
      cq_(std::move(cq)),
      doorbell_(doorbell),
      requests_(ring_.entries()) {
  for (const IoNamespace& ns : ctx_.namespaces) queues_.push_back(ns.device->open_queue(ring_.entries()));
  if (queues_.size() > 1) {
    epoll_ = UniqueFd(::epoll_create1(EPOLL_CLOEXEC));
    if (!epoll_) throw std::system_error(errno, std::generic_category(), "epoll_create1");
    for (const auto& q : queues_) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, q->completion_fd(), &ev) < 0) {
        throw std::system_error(errno, std::generic_category(), "epoll_ctl");
      }
    }
  }
  free_.reserve(requests_.size());
  for (uint32_t i = requests_.size(); i-- > 0;) free_.push_back(i);
  batch_.reserve(requests_.size());
}

IoSubmissionQueue::~IoSubmissionQueue() {
  quiesce();
  cq_->forget_waiter(&doorbell_);
}

int IoSubmissionQueue::completion_fd() const {
  return epoll_ ? epoll_.get() : queues_.front()->completion_fd();
}

void IoSubmissionQueue::consume_signal() {
  for (const auto& q : queues_) q->consume_signal();
}

bool IoSubmissionQueue::tail_doorbell(uint32_t value) {
  bool ok;
  {
    std::lock_guard lock(ring_mu_);
    ok = ring_.set_tail(value);
  }
  if (ok) doorbell_.signal();
  return ok;
}

void IoSubmissionQueue::enable_shadow(ShadowSlot slot) {
  {
    std::lock_guard lock(ring_mu_);
    ring_.enable_shadow(slot);
  }
  doorbell_.signal();
}

bool IoSubmissionQueue::shadowed() {
  std::lock_guard lock(ring_mu_);
  return ring_.shadowed();
}

// One pass: everything available is fetched and submitted as one batch (one
// io_uring_enter per namespace queue), what already completed is reaped, and
// the pass's completions are posted with at most one interrupt.
size_t IoSubmissionQueue::service() {
  size_t taken = 0;
  if (!stopping_ && !cq_->backlogged()) {
    for (const auto& q : queues_) q->plug();
    std::vector<Sqe>& sqes = fetched_;
    sqes.clear();
    {
      std::lock_guard lock(ring_mu_);
      bool more = ring_.refresh_tail();
      while (more) {
        while (!ring_.empty() && !free_.empty() && sqes.size() < free_.size()) sqes.push_back(ring_.pop());
        // EventIdx = the tail consumed, then re-read the shadow tail.
        more = ring_.publish_event_idx() && sqes.size() < free_.size();
      }
    }
    taken = sqes.size();
    for (const Sqe& sqe : sqes) {
      const uint32_t index = free_.back();
      free_.pop_back();
      start(requests_[index], sqe);
    }
    for (const auto& q : queues_) q->unplug();
  }
  drain_all();
  post_batch();
  cq_->backlogged(&doorbell_);  // stalled: woken when the head moves
  return taken;
}

size_t IoSubmissionQueue::available() {
  std::lock_guard lock(ring_mu_);
  ring_.refresh_tail();
  return ring_.pending();
}

void IoSubmissionQueue::drain_all() {
  bool again;
  do {
    again = false;
    for (const auto& q : queues_) q->drain();
    for (const auto& q : queues_) again = again || q->has_ready();
  } while (again);
}

void IoSubmissionQueue::post_batch() {
  if (batch_.empty()) return;
  if (!drop_.load()) cq_->post(batch_);
  batch_.clear();
}

void IoSubmissionQueue::quiesce() {
  stopping_ = true;
  while (outstanding_ > 0) {
    drain_all();
    if (outstanding_ == 0) break;
    if (queues_.size() == 1) {
      queues_.front()->wait();
      continue;
    }
    pollfd p{completion_fd(), POLLIN, 0};
    if (::poll(&p, 1, 100) < 0 && errno != EINTR) break;
    consume_signal();
  }
  drain_all();
  post_batch();
}

void IoSubmissionQueue::start(Request& r, const Sqe& sqe) {
  r.cid = sqe.cid();
  r.nsid = sqe.nsid();
  r.slba = uint64_t{sqe.cdw(10)} | uint64_t{sqe.cdw(11)} << 32;
  r.status = Status::success();
  r.dw0 = r.dw1 = 0;
  r.parts = 0;
  ++outstanding_;
  auto decoded = decode_io_command(sqe, ctx_.namespaces, ctx_.mem, ctx_.limits, ctx_.zoned, r.iov, r.ranges);
  if (auto* s = std::get_if<Status>(&decoded)) {
    r.status = *s;
    r.op = IoOp{};
    return finish(r);
  }
  r.op = std::get<IoOp>(decoded);
  const IoOp& op = r.op;
  auto queue_of = [&](const IoNamespace* ns) -> zoned::ZonedQueue& {
    return *queues_[static_cast<size_t>(ns - ctx_.namespaces.data())];
  };
  // Every engine result, on NVM and zoned namespaces alike, through the one
  // mapping (zns_commands.h).
  auto status_cb = [this, rp = &r](ZoneStatus s) { part_done(*rp, zoned_status(s, rp->op.kind == IoOp::kRead)); };
  auto write_cb = [this, rp = &r](ZoneStatus s, uint64_t) { part_done(*rp, zoned_status(s, false)); };
  switch (op.kind) {
    case IoOp::kNothing: return finish(r);
    case IoOp::kRead:
      r.parts = 1;
      return queue_of(op.ns).read(op.sector, r.iov, status_cb);
    case IoOp::kWrite:
      r.parts = 1;
      return queue_of(op.ns).write(op.sector, r.iov, write_cb);
    case IoOp::kWriteZeroes:
      r.parts = 1;
      return queue_of(op.ns).write_zeroes(op.sector, op.bytes, write_cb);
    case IoOp::kFlush:
      if (op.ns) {
        r.parts = 1;
        return queue_of(op.ns).flush(status_cb);
      }
      r.parts = queues_.size();
      for (const auto& q : queues_) q->flush(status_cb);
      return;
    case IoOp::kZoneSend:
      r.parts = 1;
      if (op.select_all) return queue_of(op.ns).zone_op_all(op.zone_op, status_cb);
      return queue_of(op.ns).zone_op(op.zone_op, op.sector, status_cb);
    case IoOp::kZoneReceive: {
      // Synchronous: the report is read from the device's zone state.
      ZoneReceiveReply reply = zone_management_receive(*op.ns->zns, op.receive);
      r.status = reply.status;
      if (r.status.ok()) block::copy_to_zero_padded(r.iov, reply.data);
      return finish(r);
    }
    case IoOp::kZoneAppend:
      r.parts = 1;
      return queue_of(op.ns).append(op.sector, r.iov, [this, rp = &r](ZoneStatus s, uint64_t sector) {
        if (s == ZoneStatus::kOk) {
          Cqe cqe;
          set_zone_append_result(*rp->op.ns->zns, sector, cqe);
          rp->dw0 = cqe.dw0;
          rp->dw1 = cqe.dw1;
        }
        part_done(*rp, zoned_status(s, false));
      });
    case IoOp::kDeallocate: {
      r.parts = r.ranges.size();
      zoned::ZonedQueue& q = queue_of(op.ns);
      for (const DsmRange& range : r.ranges) {
        q.discard(op.ns->sector(range.slba), uint64_t{range.nlb} * op.ns->lba_bytes, status_cb);
      }
      return;
    }
  }
}

void IoSubmissionQueue::part_done(Request& r, Status s) {
  if (r.status.ok() && !s.ok()) r.status = s;
  if (--r.parts == 0) finish(r);
}

void IoSubmissionQueue::finish(Request& r) {
  --outstanding_;
  if (r.status.ok()) {
    switch (r.op.kind) {
      case IoOp::kRead: ctx_.health.count_read(r.op.bytes); break;
      case IoOp::kWrite:
      case IoOp::kZoneAppend:
      case IoOp::kWriteZeroes: ctx_.health.count_write(r.op.bytes); break;
      default: break;
    }
  } else {
    if (r.status.sct == StatusCodeType::kMediaError) {
      ctx_.health.media_errors.fetch_add(1, std::memory_order_relaxed);
    }
    ctx_.errors.record({.sqid = qid_, .cid = r.cid, .status = r.status, .lba = r.slba, .nsid = r.nsid});
  }
  batch_.push_back(Cqe{.dw0 = r.dw0,
                       .dw1 = r.dw1,
                       .sq_head = static_cast<uint16_t>(ring_.head()),
                       .sq_id = qid_,
                       .cid = r.cid,
                       .status = r.status.field()});
  free_.push_back(static_cast<uint32_t>(&r - requests_.data()));
}

}  // namespace zvmm::nvme

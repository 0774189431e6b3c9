#include "block/uring_queue.h"

#include <fcntl.h>
#include <linux/falloc.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace zvmm::block {

std::unique_ptr<UringIoQueue> UringIoQueue::create(int fd, unsigned depth, int* error,
                                                   DiscardFallback discard_fallback) {
  std::unique_ptr<UringIoQueue> q(new UringIoQueue(fd, depth));  // private ctor
  int rc = io_uring_queue_init(depth, &q->ring_, 0);
  if (rc < 0) {
    if (error) *error = -rc;
    return nullptr;
  }
  q->ring_ready_ = true;
  q->discard_fallback_ = std::move(discard_fallback);
  rc = io_uring_register_eventfd(&q->ring_, q->completion_fd());
  if (rc < 0) {
    if (error) *error = -rc;
    return nullptr;
  }
  return q;
}

UringIoQueue::UringIoQueue(int fd, unsigned depth) : fd_(fd), depth_(depth), slots_(depth) {
  free_slots_.reserve(depth);
  for (unsigned i = depth; i-- > 0;) free_slots_.push_back(i);
}

UringIoQueue::~UringIoQueue() {
  if (!ring_ready_) return;
  if (unsubmitted_) io_uring_submit(&ring_);
  // Wait for in-flight requests: their buffers belong to callers that may be
  // about to free them, and the kernel must not write into freed memory.
  while (free_slots_.size() < depth_) {
    io_uring_cqe* cqe = nullptr;
    if (io_uring_wait_cqe(&ring_, &cqe) < 0) break;
    free_slots_.push_back(static_cast<unsigned>(io_uring_cqe_get_data64(cqe)));
    io_uring_cqe_seen(&ring_, cqe);
  }
  io_uring_queue_exit(&ring_);
}

void UringIoQueue::submit_readv(uint64_t offset, IoVecs iov, IoCallback cb) {
  enqueue({Op::kReadv, offset, total_bytes(iov), std::move(cb), iov});
}

void UringIoQueue::submit_writev(uint64_t offset, IoVecs iov, IoCallback cb) {
  enqueue({Op::kWritev, offset, total_bytes(iov), std::move(cb), iov});
}

void UringIoQueue::submit_flush(IoCallback cb) {
  enqueue({Op::kFlush, 0, 0, std::move(cb)});
}

void UringIoQueue::submit_discard(uint64_t offset, uint64_t len, IoCallback cb) {
  if (len == 0) return post([cb = std::move(cb)] { cb(0); });  // as BlockBackend::discard
  enqueue({Op::kDiscard, offset, len, std::move(cb)});
}

void UringIoQueue::enqueue(Request req) {
  if (free_slots_.empty() || !backlog_.empty()) {
    backlog_.push_back(std::move(req));
    return;
  }
  start(std::move(req));
  submit_sqes();
}

void UringIoQueue::submit_sqes() {
  if (plugged_) {
    unsubmitted_ = true;
    return;
  }
  io_uring_submit(&ring_);
}

void UringIoQueue::unplug() {
  plugged_ = false;
  if (unsubmitted_) {
    unsubmitted_ = false;
    io_uring_submit(&ring_);
  }
}

void UringIoQueue::start(Request req) {
  unsigned slot = free_slots_.back();
  free_slots_.pop_back();
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  // The SQ has depth_ entries and at most depth_ requests are in flight.
  switch (req.op) {
    case Op::kReadv:
      io_uring_prep_readv(sqe, fd_, req.iov.data(), static_cast<unsigned>(req.iov.size()), req.offset);
      break;
    case Op::kWritev:
      io_uring_prep_writev(sqe, fd_, req.iov.data(), static_cast<unsigned>(req.iov.size()), req.offset);
      break;
    case Op::kFlush:
      io_uring_prep_fsync(sqe, fd_, IORING_FSYNC_DATASYNC);
      break;
    case Op::kDiscard:
      io_uring_prep_fallocate(sqe, fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, req.offset, req.len);
      break;
  }
  io_uring_sqe_set_data64(sqe, slot);
  slots_[slot] = std::move(req);
}

void UringIoQueue::pump_backlog() {
  bool started = false;
  while (!free_slots_.empty() && !backlog_.empty()) {
    start(std::move(backlog_.front()));
    backlog_.pop_front();
    started = true;
  }
  if (started) submit_sqes();
}

size_t UringIoQueue::reap_backend() {
  // The ring signals the eventfd for every completion, those that finished
  // inside io_uring_enter too: reset it before reaping (a later completion
  // signals again), so a pass that reaped everything is not followed by an
  // empty wakeup.
  if (io_uring_cq_ready(&ring_) > 0) consume_signal();
  std::vector<Finished> finished;
  finished.swap(finished_);  // reuse its capacity
  io_uring_cqe* cqe = nullptr;
  while (io_uring_peek_cqe(&ring_, &cqe) == 0 && cqe) {
    auto slot = static_cast<unsigned>(io_uring_cqe_get_data64(cqe));
    Request& req = slots_[slot];
    int64_t res = cqe->res;
    const bool is_read = req.op == Op::kReadv;
    const bool is_write = req.op == Op::kWritev;
    if (res >= 0 && is_read && static_cast<size_t>(res) < req.len) {
      // Short read: only at end of file, which reads as zeros.
      zero(req.iov, static_cast<uint64_t>(res), req.len - static_cast<size_t>(res));
      res = static_cast<int64_t>(req.len);
    } else if (res >= 0 && is_write && static_cast<size_t>(res) < req.len) {
      res = -EIO;  // short write: report as an error, never as success
    } else if (req.op == Op::kDiscard && (res == -EOPNOTSUPP || res == -ENOSYS || res == -EINVAL) &&
               discard_fallback_) {
      // No hole punching (or, before Linux 5.6, no IORING_OP_FALLOCATE): the
      // backend's synchronous discard, which writes zeros if it must.
      res = discard_fallback_(req.offset, req.len);
    }
    finished.push_back({res, std::move(req.cb)});
    free_slots_.push_back(slot);
    io_uring_cqe_seen(&ring_, cqe);
  }
  pump_backlog();
  for (auto& f : finished) f.cb(f.result);
  const size_t n = finished.size();
  finished.clear();
  if (finished_.capacity() < finished.capacity()) finished_.swap(finished);
  return n;
}

}  // namespace zvmm::block

// IoQueue over an io_uring ring (liburing). The ring signals completions on the
// queue's eventfd (io_uring_register_eventfd), so an event loop only watches
// completion_fd(). Requests beyond the ring depth wait in a backlog.
#pragma once

#include <liburing.h>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "block/io_queue.h"
#include "block/io_vecs.h"

namespace zvmm::block {

class UringIoQueue final : public IoQueue {
 public:
  // Returns nullopt-equivalent (nullptr) with errno-style code when io_uring is
  // unavailable (ENOSYS, EPERM under seccomp, io_uring_disabled...).
  // `discard_fallback` runs (on the owner thread, at completion) when the file
  // system cannot punch holes (fallocate gives EOPNOTSUPP): the backend's
  // synchronous discard, which writes zeros then.
  using DiscardFallback = std::function<int(uint64_t offset, uint64_t len)>;
  static std::unique_ptr<UringIoQueue> create(int fd, unsigned depth, int* error,
                                              DiscardFallback discard_fallback = nullptr);
  ~UringIoQueue() override;

  IoQueueKind kind() const override { return IoQueueKind::kIoUring; }
  void submit_readv(uint64_t offset, IoVecs iov, IoCallback cb) override;
  void submit_writev(uint64_t offset, IoVecs iov, IoCallback cb) override;
  void submit_flush(IoCallback cb) override;
  // IORING_OP_FALLOCATE (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE).
  void submit_discard(uint64_t offset, uint64_t len, IoCallback cb) override;
  void plug() override { plugged_ = true; }
  void unplug() override;
  size_t in_flight() const override { return depth_ - free_slots_.size() + backlog_.size(); }
  // Page-cache hits complete inside io_uring_enter (and also signal the fd).
  bool has_ready() const override { return ring_ready_ && io_uring_cq_ready(&ring_) > 0; }

 protected:
  size_t reap_backend() override;

 private:
  enum class Op { kReadv, kWritev, kFlush, kDiscard };
  struct Request {
    Op op;
    uint64_t offset;
    size_t len;     // bytes (all segments for kReadv/kWritev)
    IoCallback cb;
    IoVecs iov{};   // kReadv/kWritev
  };
  UringIoQueue(int fd, unsigned depth);
  void enqueue(Request req);
  void start(Request req);
  void pump_backlog();
  void submit_sqes();  // io_uring_submit now, or at unplug() while plugged

  bool plugged_ = false;
  bool unsubmitted_ = false;  // SQEs prepared while plugged

  int fd_;
  unsigned depth_;
  DiscardFallback discard_fallback_;
  io_uring ring_{};
  bool ring_ready_ = false;
  std::vector<Request> slots_;  // indexed by sqe user_data
  std::vector<unsigned> free_slots_;
  std::deque<Request> backlog_;
  struct Finished {
    int64_t result;
    IoCallback cb;
  };
  std::vector<Finished> finished_;  // reap scratch (capacity reused)
};

}  // namespace zvmm::block

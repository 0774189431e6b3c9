// Asynchronous I/O submission queue of a block backend.
//
// One IoQueue belongs to one thread (a device queue or an event loop): submit_*
// and drain_completions() must be called from that thread. post() is the only
// thread-safe entry point: other threads use it to hand a callback to the owner.
//
// Completion model, suitable for any event loop: callbacks run on the owner
// thread inside drain_completions(), never inside submit_*. Completions arrive
// two ways:
// - asynchronously (io_uring, post()): completion_fd(), an eventfd, becomes
//   readable; the loop calls consume_signal() and then drain_completions();
// - during a submission (a synchronous queue, or io_uring completing a
//   page-cache hit inside io_uring_enter): has_ready() is true, with no fd
//   signal, so a loop drains right after submitting (after unplug() when
//   plugged), in the same pass, instead of paying an eventfd write, a wakeup and
//   a read for work it can see.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <vector>

#include "block/io_vecs.h"
#include "base/event_fd.h"

namespace zvmm::block {

// Result of one I/O: bytes transferred (>= 0) or -errno.
using IoCallback = std::function<void(int64_t result)>;

enum class IoQueueKind { kIoUring, kSynchronous };

class IoQueue {
 public:
  IoQueue();
  virtual ~IoQueue() = default;
  IoQueue(const IoQueue&) = delete;
  IoQueue& operator=(const IoQueue&) = delete;

  virtual IoQueueKind kind() const = 0;
  // Offsets and lengths in bytes of the backend's address space. Data is
  // always a segment list (a flat buffer is one iovec): `iov` (the array and
  // its segments) must stay valid until `cb` ran. Reads past the end of the
  // file return zeros; a short write is -EIO.
  virtual void submit_readv(uint64_t offset, IoVecs iov, IoCallback cb) = 0;
  virtual void submit_writev(uint64_t offset, IoVecs iov, IoCallback cb) = 0;
  virtual void submit_flush(IoCallback cb) = 0;
  // Makes [offset, offset + len) read as zeros and frees its space
  // (BlockBackend::discard: a punched hole, or written zeros where the file
  // system cannot punch). Result 0 or -errno.
  virtual void submit_discard(uint64_t offset, uint64_t len, IoCallback cb) = 0;

  // Batching hint: between plug() and unplug() the queue may hold submissions
  // back and hand them to the backend together at unplug() (io_uring: one
  // io_uring_enter for the batch instead of one per request). Not nested.
  // Default: no-op (submissions start immediately).
  virtual void plug() {}
  virtual void unplug() {}

  // Thread-safe: queue fn to run on the owner thread at its next drain.
  void post(std::function<void()> fn);

  // Readable (eventfd) when asynchronous completions or posted callbacks wait.
  int completion_fd() const { return event_fd_.fd(); }
  // Resets completion_fd() after the loop saw it readable, before draining.
  void consume_signal() { event_fd_.consume(); }
  // Completions that finished during submissions are waiting (no fd signal).
  virtual bool has_ready() const { return false; }
  // Runs every ready callback; never blocks. Returns how many ran.
  size_t drain_completions();
  // Drains what has_ready(); otherwise blocks until completion_fd() is
  // readable, consumes it, then drains.
  size_t wait_completions();
  // Number of submitted backend I/Os not yet completed.
  virtual size_t in_flight() const = 0;

 protected:
  // Backend-specific reaping of finished I/Os; runs their callbacks.
  virtual size_t reap_backend() = 0;
  void notify();

 private:
  EventFd event_fd_;
  std::mutex posted_mu_;
  std::vector<std::function<void()>> posted_;
  std::vector<std::function<void()>> spare_;  // owner thread: keeps capacity between drains
};

}  // namespace zvmm::block

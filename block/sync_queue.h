// IoQueue that performs each I/O synchronously through BlockBackend's blocking
// calls and reports the completion at the next drain (has_ready(), no eventfd
// signal). The queue of memory-backed files (tmpfs, ramfs: the copy cannot
// wait on a device, and io_uring would hand each request to a kernel worker
// thread), of the null backend, and the fallback when io_uring is unavailable.
#pragma once

#include <vector>

#include "block/block_backend.h"

namespace zvmm::block {

class SyncIoQueue final : public IoQueue {
 public:
  explicit SyncIoQueue(BlockBackend& backend) : backend_(backend) {}

  IoQueueKind kind() const override { return IoQueueKind::kSynchronous; }
  void submit_readv(uint64_t offset, IoVecs iov, IoCallback cb) override;
  void submit_writev(uint64_t offset, IoVecs iov, IoCallback cb) override;
  void submit_flush(IoCallback cb) override;
  void submit_discard(uint64_t offset, uint64_t len, IoCallback cb) override;
  size_t in_flight() const override { return done_.size(); }
  bool has_ready() const override { return !done_.empty(); }

 protected:
  size_t reap_backend() override;

 private:
  struct Done {
    int64_t result;
    IoCallback cb;
  };
  BlockBackend& backend_;
  std::vector<Done> done_;   // owner thread only
  std::vector<Done> spare_;  // keeps capacity between drains
};

}  // namespace zvmm::block

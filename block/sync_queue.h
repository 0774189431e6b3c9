// IoQueue that performs each I/O synchronously through BlockBackend's blocking
// calls and reports the completion at the next drain. Fallback when io_uring is
// unavailable, and the queue of the null backend.
#pragma once

#include <deque>

#include "block/block_backend.h"

namespace zvmm::block {

class SyncIoQueue final : public IoQueue {
 public:
  explicit SyncIoQueue(BlockBackend& backend) : backend_(backend) {}

  IoQueueKind kind() const override { return IoQueueKind::kSynchronous; }
  void submit_read(uint64_t offset, std::span<uint8_t> buf, IoCallback cb) override;
  void submit_write(uint64_t offset, std::span<const uint8_t> buf, IoCallback cb) override;
  void submit_flush(IoCallback cb) override;
  size_t in_flight() const override { return done_.size(); }

 protected:
  size_t reap_backend() override;

 private:
  struct Done {
    int64_t result;
    IoCallback cb;
  };
  void complete(int64_t result, IoCallback cb);

  BlockBackend& backend_;
  std::deque<Done> done_;  // owner thread only
};

}  // namespace zvmm::block

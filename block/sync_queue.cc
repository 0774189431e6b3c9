#include "block/sync_queue.h"

#include <utility>

namespace zvmm::block {

void SyncIoQueue::complete(int64_t result, IoCallback cb) {
  done_.push_back({result, std::move(cb)});
  notify();
}

void SyncIoQueue::submit_read(uint64_t offset, std::span<uint8_t> buf, IoCallback cb) {
  complete(backend_.read(offset, buf), std::move(cb));
}

void SyncIoQueue::submit_write(uint64_t offset, std::span<const uint8_t> buf, IoCallback cb) {
  complete(backend_.write(offset, buf), std::move(cb));
}

void SyncIoQueue::submit_flush(IoCallback cb) { complete(backend_.flush(), std::move(cb)); }

size_t SyncIoQueue::reap_backend() {
  std::deque<Done> ready;
  ready.swap(done_);
  for (auto& d : ready) d.cb(d.result);
  return ready.size();
}

}  // namespace zvmm::block

#include "block/sync_queue.h"

#include <utility>

namespace zvmm::block {

void SyncIoQueue::submit_readv(uint64_t offset, IoVecs iov, IoCallback cb) {
  done_.push_back({backend_.readv(offset, iov), std::move(cb)});
}

void SyncIoQueue::submit_writev(uint64_t offset, IoVecs iov, IoCallback cb) {
  done_.push_back({backend_.writev(offset, iov), std::move(cb)});
}

void SyncIoQueue::submit_flush(IoCallback cb) { done_.push_back({backend_.flush(), std::move(cb)}); }

void SyncIoQueue::submit_discard(uint64_t offset, uint64_t len, IoCallback cb) {
  done_.push_back({backend_.discard(offset, len), std::move(cb)});
}

size_t SyncIoQueue::reap_backend() {
  // Callbacks may submit more I/O (into done_): run a swapped-out batch.
  std::vector<Done> ready;
  ready.swap(spare_);
  ready.swap(done_);
  for (auto& d : ready) d.cb(d.result);
  const size_t n = ready.size();
  ready.clear();
  if (spare_.capacity() < ready.capacity()) spare_.swap(ready);
  return n;
}

}  // namespace zvmm::block

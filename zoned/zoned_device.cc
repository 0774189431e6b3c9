#include "zoned/zoned_device.h"

#include <algorithm>

#include "zoned/aligned_buffer.h"

#include <vector>

namespace zvmm::zoned {

namespace {

// One contiguous copy of a long segment list, with its one-segment list.
struct Bounce {
  explicit Bounce(uint64_t size) : bytes(size), iov{bytes.data(), bytes.size()} {}
  Segments segments() const { return {&iov, 1}; }
  std::vector<uint8_t> bytes;
  iovec iov;
};

}  // namespace

std::shared_ptr<const std::vector<iovec>> zero_segments(uint64_t bytes) {
  static AlignedBuffer zeros = [] {  // only ever read
    AlignedBuffer b(kZeroChunkBytes, 4096);
    std::fill(b.span().begin(), b.span().end(), 0);
    return b;
  }();
  auto segments = std::make_shared<std::vector<iovec>>();
  segments->reserve((bytes + kZeroChunkBytes - 1) / kZeroChunkBytes);
  for (uint64_t left = bytes; left > 0;) {
    const uint64_t n = std::min(left, kZeroChunkBytes);
    segments->push_back({zeros.span().data(), n});
    left -= n;
  }
  return segments;
}

void ZonedQueue::bounced_read(uint64_t sector, Segments data, StatusCallback cb) {
  auto b = std::make_shared<Bounce>(block::total_bytes(data));
  device_.read(*io_, sector, b->segments(), [b, data, cb = std::move(cb)](ZoneStatus st) {
    if (st == ZoneStatus::kOk) block::copy_to(data, b->bytes);
    cb(st);
  });
}

void ZonedQueue::bounced_write(bool append, uint64_t sector, Segments data, WriteCallback cb) {
  auto b = std::make_shared<Bounce>(block::total_bytes(data));
  block::copy_from(data, b->bytes);
  auto done = [b, cb = std::move(cb)](ZoneStatus st, uint64_t s) { cb(st, s); };
  if (append) device_.append(*io_, sector, b->segments(), std::move(done));
  else device_.write(*io_, sector, b->segments(), std::move(done));
}

}  // namespace zvmm::zoned

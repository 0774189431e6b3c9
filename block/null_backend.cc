#include "block/null_backend.h"

#include <algorithm>
#include <cerrno>

#include "block/sync_queue.h"

namespace zvmm::block {

int64_t NullBackend::read(uint64_t offset, std::span<uint8_t> buf) {
  if (offset > size_ || buf.size() > size_ - offset) return -EINVAL;
  std::fill(buf.begin(), buf.end(), uint8_t{0});
  return static_cast<int64_t>(buf.size());
}

int64_t NullBackend::write(uint64_t offset, std::span<const uint8_t> buf) {
  if (offset > size_ || buf.size() > size_ - offset) return -EINVAL;
  return static_cast<int64_t>(buf.size());
}

std::unique_ptr<IoQueue> NullBackend::create_queue(unsigned depth) {
  return std::make_unique<SyncIoQueue>(*this);
}

}  // namespace zvmm::block

#include "block/block_backend.h"

namespace zvmm::block {

namespace {

template <typename Span, typename Op>
int64_t per_segment(uint64_t offset, IoVecs iov, Op op) {
  int64_t done = 0;
  for (const iovec& s : iov) {
    const int64_t r = op(offset + static_cast<uint64_t>(done),
                         Span(static_cast<uint8_t*>(s.iov_base), s.iov_len));
    if (r < 0) return r;
    done += r;
    if (static_cast<size_t>(r) < s.iov_len) break;
  }
  return done;
}

}  // namespace

int64_t BlockBackend::readv(uint64_t offset, IoVecs iov) {
  return per_segment<std::span<uint8_t>>(offset, iov, [this](uint64_t o, std::span<uint8_t> b) { return read(o, b); });
}

int64_t BlockBackend::writev(uint64_t offset, IoVecs iov) {
  return per_segment<std::span<const uint8_t>>(offset, iov, [this](uint64_t o, std::span<const uint8_t> b) {
    return write(o, b);
  });
}

}  // namespace zvmm::block

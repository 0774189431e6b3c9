#include "block/io_vecs.h"

#include <algorithm>
#include <cstring>

namespace zvmm::block {

namespace {

// Calls fn(base, n) for each piece of [offset, offset + len) of `v`.
template <typename Fn>
void for_each_piece(IoVecs v, uint64_t offset, uint64_t len, Fn&& fn) {
  for (const iovec& s : v) {
    if (len == 0) break;
    if (offset >= s.iov_len) {
      offset -= s.iov_len;
      continue;
    }
    const uint64_t n = std::min<uint64_t>(s.iov_len - offset, len);
    fn(static_cast<uint8_t*>(s.iov_base) + offset, n);
    len -= n;
    offset = 0;
  }
}

}  // namespace

uint64_t total_bytes(IoVecs v) {
  uint64_t n = 0;
  for (const iovec& s : v) n += s.iov_len;
  return n;
}

void slice(IoVecs v, uint64_t offset, uint64_t len, std::vector<iovec>& out) {
  for_each_piece(v, offset, len, [&](uint8_t* p, uint64_t n) { out.push_back({p, n}); });
}

void zero(IoVecs v, uint64_t offset, uint64_t len) {
  for_each_piece(v, offset, len, [](uint8_t* p, uint64_t n) { std::memset(p, 0, n); });
}

void copy_from(IoVecs v, std::span<uint8_t> dst) {
  uint64_t at = 0;
  for_each_piece(v, 0, dst.size(), [&](uint8_t* p, uint64_t n) {
    std::memcpy(dst.data() + at, p, n);
    at += n;
  });
}

void copy_to(IoVecs v, std::span<const uint8_t> src) {
  uint64_t at = 0;
  for_each_piece(v, 0, src.size(), [&](uint8_t* p, uint64_t n) {
    std::memcpy(p, src.data() + at, n);
    at += n;
  });
}

void copy_to_zero_padded(IoVecs v, std::span<const uint8_t> src) {
  copy_to(v, src);
  const uint64_t total = total_bytes(v);
  if (src.size() < total) zero(v, src.size(), total - src.size());
}

}  // namespace zvmm::block

// Scatter-gather buffers: a list of caller-owned segments (guest pages, for a
// device) handed to the backend as they are, without a bounce copy. IoVecs is a
// non-owning view; the segments and the array must stay valid until the I/O's
// callback ran.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <span>
#include <vector>

namespace zvmm::block {

using IoVecs = std::span<const iovec>;

uint64_t total_bytes(IoVecs v);

// One buffer as a one-segment list. It holds the iovec: keep it alive (and in
// place) until the I/O's callback ran.
class OneSegment {
 public:
  explicit OneSegment(std::span<const uint8_t> buf)
      : iov_{const_cast<uint8_t*>(buf.data()), buf.size()} {}
  OneSegment(const OneSegment&) = delete;
  OneSegment& operator=(const OneSegment&) = delete;
  operator IoVecs() const { return {&iov_, 1}; }  // NOLINT: a list of one

 private:
  iovec iov_;
};

// Appends to `out` the segments covering bytes [offset, offset + len) of `v`
// (clipped at its end).
void slice(IoVecs v, uint64_t offset, uint64_t len, std::vector<iovec>& out);

// Zeroes bytes [offset, offset + len) of `v` (clipped at its end).
void zero(IoVecs v, uint64_t offset, uint64_t len);

// Gathers the segments, in order, into `dst` (at most dst.size() bytes).
void copy_from(IoVecs v, std::span<uint8_t> dst);
// Scatters `src` over the segments, in order (at most total_bytes(v) bytes).
void copy_to(IoVecs v, std::span<const uint8_t> src);
// copy_to, then zeroes what `src` did not cover (a reply shorter than the
// transfer the guest asked for, e.g. an NVMe Identify or log page).
void copy_to_zero_padded(IoVecs v, std::span<const uint8_t> src);

}  // namespace zvmm::block

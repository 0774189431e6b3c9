#include "devices/virtio/testing/test_driver.h"

#include <stdexcept>

#include "devices/virtio/virtio_constants.h"

namespace zvmm::virtio::testing {

TestDriverQueue::TestDriverQueue(const GuestMemory& mem, uint64_t base, uint16_t size,
                                 uint64_t buffers, uint64_t buffer_bytes)
    : mem_(mem), buffers_(buffers), buffer_bytes_(buffer_bytes) {
  config_.size = size;
  config_.desc = base;
  config_.avail = base + 16ull * size;
  config_.used = (config_.avail + 6 + 2ull * size + 4095) & ~4095ull;
  clear();
}

void TestDriverQueue::clear() {
  const uint64_t end = config_.used + 6 + 8ull * config_.size;
  auto s = mem_.checked_slice(config_.desc, end - config_.desc, "test rings");
  std::fill(s.begin(), s.end(), 0);
  next_desc_ = 0;
  avail_idx_ = 0;
  next_buffer_ = 0;
}

void TestDriverQueue::set_desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
                               uint16_t next) {
  const uint64_t d = config_.desc + 16ull * i;
  mem_.write_le<uint64_t>(d, addr);
  mem_.write_le<uint32_t>(d + 8, len);
  mem_.write_le<uint16_t>(d + 12, flags);
  mem_.write_le<uint16_t>(d + 14, next);
}

uint16_t TestDriverQueue::make_chain(const std::vector<Seg>& segs, bool indirect) {
  if (indirect) {
    const uint64_t table = alloc(16 * segs.size(), 16);
    for (size_t i = 0; i < segs.size(); ++i) {
      const uint64_t d = table + 16 * i;
      uint16_t flags = segs[i].writable ? desc_flags::kWrite : 0;
      if (i + 1 < segs.size()) flags |= desc_flags::kNext;
      mem_.write_le<uint64_t>(d, segs[i].addr);
      mem_.write_le<uint32_t>(d + 8, segs[i].len);
      mem_.write_le<uint16_t>(d + 12, flags);
      mem_.write_le<uint16_t>(d + 14, static_cast<uint16_t>(i + 1));
    }
    const uint16_t head = next_desc_;
    next_desc_ = static_cast<uint16_t>((next_desc_ + 1) % config_.size);
    set_desc(head, table, static_cast<uint32_t>(16 * segs.size()), desc_flags::kIndirect, 0);
    return head;
  }
  const uint16_t head = next_desc_;
  for (size_t i = 0; i < segs.size(); ++i) {
    const uint16_t idx = next_desc_;
    next_desc_ = static_cast<uint16_t>((next_desc_ + 1) % config_.size);
    uint16_t flags = segs[i].writable ? desc_flags::kWrite : 0;
    if (i + 1 < segs.size()) flags |= desc_flags::kNext;
    set_desc(idx, segs[i].addr, segs[i].len, flags, next_desc_);
  }
  return head;
}

void TestDriverQueue::publish(uint16_t head) {
  mem_.write_le<uint16_t>(config_.avail + 4 + 2ull * (avail_idx_ % config_.size), head);
  ++avail_idx_;
  mem_.write_le<uint16_t>(config_.avail + 2, avail_idx_);
}

void TestDriverQueue::set_avail_idx(uint16_t idx) {
  avail_idx_ = idx;
  mem_.write_le<uint16_t>(config_.avail + 2, idx);
}

uint16_t TestDriverQueue::avail_idx() const { return avail_idx_; }

void TestDriverQueue::set_avail_flags(uint16_t flags) { mem_.write_le<uint16_t>(config_.avail, flags); }

void TestDriverQueue::set_used_event(uint16_t v) {
  mem_.write_le<uint16_t>(config_.avail + 4 + 2ull * config_.size, v);
}

uint16_t TestDriverQueue::avail_event() const {
  return *mem_.read_le<uint16_t>(config_.used + 4 + 8ull * config_.size);
}

uint16_t TestDriverQueue::used_idx() const { return *mem_.read_le<uint16_t>(config_.used + 2); }

TestDriverQueue::UsedElem TestDriverQueue::used(uint16_t i) const {
  const uint64_t e = config_.used + 4 + 8ull * (i % config_.size);
  return {*mem_.read_le<uint32_t>(e), *mem_.read_le<uint32_t>(e + 4)};
}

uint64_t TestDriverQueue::alloc(uint64_t len, uint64_t align) {
  next_buffer_ = (next_buffer_ + align - 1) & ~(align - 1);
  if (next_buffer_ + len > buffer_bytes_) next_buffer_ = 0;
  if (len > buffer_bytes_) throw std::invalid_argument("test buffer too large");
  const uint64_t a = buffers_ + next_buffer_;
  next_buffer_ += len;
  return a;
}

void TestDriverQueue::write(uint64_t gpa, std::span<const uint8_t> bytes) const {
  if (!mem_.write(gpa, bytes)) throw std::out_of_range("test write outside guest memory");
}

std::vector<uint8_t> TestDriverQueue::read(uint64_t gpa, size_t len) const {
  std::vector<uint8_t> out(len);
  if (!mem_.read(gpa, out)) throw std::out_of_range("test read outside guest memory");
  return out;
}

}  // namespace zvmm::virtio::testing

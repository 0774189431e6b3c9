#include "devices/nvme/queue_ring.h"

#include <cstring>

#include "base/le.h"

namespace zvmm::nvme {

namespace {

uint32_t load_acquire(const uint32_t* p) {
  return byteswap_if_big_endian(std::atomic_ref<uint32_t>(*const_cast<uint32_t*>(p)).load(
      std::memory_order_acquire));
}

void store_release(uint32_t* p, uint32_t v) {
  std::atomic_ref<uint32_t>(*p).store(byteswap_if_big_endian(v), std::memory_order_release);
}

}  // namespace

ShadowSlot ShadowSlot::for_queue(std::span<uint8_t> doorbells, std::span<uint8_t> event_idx,
                                 uint16_t qid, bool sq) {
  const size_t off = 8 * size_t{qid} + (sq ? 0 : 4);
  return {reinterpret_cast<uint32_t*>(doorbells.data() + off),
          reinterpret_cast<uint32_t*>(event_idx.data() + off)};
}

uint32_t ShadowSlot::load_doorbell() const { return load_acquire(doorbell); }

void ShadowSlot::store_event_idx(uint32_t v) const {
  store_release(event_idx, v);
  // The host stores its shadow doorbell, fences (mb) and loads EventIdx; we
  // store EventIdx, fence, and load the shadow doorbell: with both fences at
  // least one side sees the other's store (no lost doorbell).
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

void ShadowSlot::store_doorbell(uint32_t v) const { store_release(doorbell, v); }

// ---- SubmissionQueue ----

std::optional<SubmissionQueue> SubmissionQueue::create(const GuestMemory& mem, uint16_t qid,
                                                       uint64_t base, uint32_t entries) {
  if (entries < 2 || entries > 65536) return std::nullopt;
  auto ring = mem.slice(base, uint64_t{entries} * kSqeBytes);
  if (!ring) return std::nullopt;
  return SubmissionQueue(qid, *ring, entries);
}

Sqe SubmissionQueue::pop() {
  // The guest may write the slot while we copy it (a host that broke the
  // protocol): relaxed 8-byte atomic loads say that this is expected (and
  // keep ThreadSanitizer runs meaningful); the copy is then the command.
  Sqe e;
  auto* src = reinterpret_cast<uint64_t*>(ring_.data() + size_t{head_} * kSqeBytes);
  for (size_t i = 0; i < kSqeBytes / 8; ++i) {
    const uint64_t v = std::atomic_ref<uint64_t>(src[i]).load(std::memory_order_relaxed);
    std::memcpy(e.bytes.data() + 8 * i, &v, 8);
  }
  head_ = (head_ + 1) % entries_;
  return e;
}

bool SubmissionQueue::set_tail(uint32_t value) {
  if (value >= entries_) return false;
  tail_ = value;
  return true;
}

void SubmissionQueue::enable_shadow(ShadowSlot slot) {
  shadow_ = slot;
  shadow_.store_doorbell(tail_);
  shadow_.store_event_idx(tail_);
}

bool SubmissionQueue::refresh_tail() {
  if (shadowed()) set_tail(shadow_.load_doorbell());
  return !empty();
}

bool SubmissionQueue::publish_event_idx() {
  if (!shadowed()) return !empty();
  shadow_.store_event_idx(tail_);
  return refresh_tail();
}

// ---- CompletionQueue ----

std::optional<CompletionQueue> CompletionQueue::create(const GuestMemory& mem, uint16_t qid,
                                                       uint64_t base, uint32_t entries,
                                                       uint16_t iv, bool ien) {
  if (entries < 2 || entries > 65536) return std::nullopt;
  auto ring = mem.slice(base, uint64_t{entries} * kCqeBytes);
  if (!ring) return std::nullopt;
  return CompletionQueue(qid, *ring, entries, iv, ien);
}

void CompletionQueue::post(const Cqe& cqe) {
  uint8_t* slot = ring_.data() + size_t{tail_} * kCqeBytes;
  // DW0..DW2 first (the host reads them only after it saw the new phase).
  std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(slot))
      .store(byteswap_if_big_endian(cqe.dw0), std::memory_order_relaxed);
  std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(slot + 4))
      .store(byteswap_if_big_endian(cqe.dw1), std::memory_order_relaxed);
  std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(slot + 8))
      .store(byteswap_if_big_endian(uint32_t{cqe.sq_head} | uint32_t{cqe.sq_id} << 16),
             std::memory_order_relaxed);
  const uint32_t dw3 = uint32_t{cqe.cid} | uint32_t{phase_} << 16 |
                       uint32_t{static_cast<uint16_t>(cqe.status & 0x7fff)} << 17;
  store_release(reinterpret_cast<uint32_t*>(slot + 12), dw3);
  tail_ = (tail_ + 1) % entries_;
  if (tail_ == 0) phase_ = !phase_;
}

bool CompletionQueue::set_head(uint32_t value) {
  if (value >= entries_) return false;
  const uint32_t posted = (tail_ + entries_ - head_) % entries_;
  const uint32_t consumed = (value + entries_ - head_) % entries_;
  if (consumed > posted) return false;
  head_ = value;
  return true;
}

void CompletionQueue::enable_shadow(ShadowSlot slot) {
  shadow_ = slot;
  shadow_.store_doorbell(head_);
  refresh_head(false);
}

void CompletionQueue::refresh_head(bool want_doorbell) {
  if (!shadowed()) return;
  // Bounded: a host that keeps moving its head cannot hold the caller here.
  for (int i = 0; i < 4; ++i) {
    set_head(shadow_.load_doorbell());
    const uint32_t seen = head_;
    shadow_.store_event_idx(want_doorbell ? seen : (seen + entries_ - 1) % entries_);
    set_head(shadow_.load_doorbell());
    if (head_ == seen) return;
  }
}

}  // namespace zvmm::nvme

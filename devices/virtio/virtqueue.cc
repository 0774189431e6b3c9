#include "devices/virtio/virtqueue.h"

#include <atomic>
#include <bit>

#include "devices/virtio/virtio_constants.h"
#include "base/le.h"

namespace zvmm::virtio {

namespace {

// Ring offsets (spec 2.7.6 / 2.7.8).
constexpr size_t kAvailFlags = 0, kAvailIdx = 2, kAvailRing = 4;
constexpr size_t kUsedFlags = 0, kUsedIdx = 2, kUsedRing = 4, kUsedElem = 8;

// 16-bit ring index shared with the guest. The rings are validated to be
// naturally aligned, so atomic_ref is valid on them.
uint16_t atomic_load16(std::span<uint8_t> ring, size_t off, std::memory_order order) {
  auto* p = reinterpret_cast<uint16_t*>(ring.data() + off);
  return byteswap_if_big_endian(std::atomic_ref<uint16_t>(*p).load(order));
}

void atomic_store16(std::span<uint8_t> ring, size_t off, uint16_t v, std::memory_order order) {
  auto* p = reinterpret_cast<uint16_t*>(ring.data() + off);
  std::atomic_ref<uint16_t>(*p).store(byteswap_if_big_endian(v), order);
}

}  // namespace

std::variant<Virtqueue, std::string> Virtqueue::create(const GuestMemory& mem,
                                                       const VirtqueueConfig& c,
                                                       const VirtqueueFeatures& f) {
  if (c.size == 0 || c.size > kMaxQueueSize || !std::has_single_bit(c.size)) {
    return "queue size " + std::to_string(c.size) + " is not a power of two in [1, 32768]";
  }
  if (c.desc % 16 || c.avail % 2 || c.used % 4) {
    return std::string("queue rings are misaligned (desc 16, driver 2, device 4 bytes)");
  }
  // EVENT_IDX adds used_event / avail_event after the rings; reserve them anyway.
  auto desc = mem.slice(c.desc, 16ull * c.size);
  auto avail = mem.slice(c.avail, 6 + 2ull * c.size);
  auto used = mem.slice(c.used, 6 + 8ull * c.size);
  if (!desc || !avail || !used) return std::string("queue rings are outside guest memory");
  return Virtqueue(mem, c.size, *desc, *avail, *used, f);
}

Virtqueue::Virtqueue(const GuestMemory& mem, uint16_t size, std::span<uint8_t> desc,
                     std::span<uint8_t> avail, std::span<uint8_t> used,
                     const VirtqueueFeatures& f)
    : mem_(&mem), size_(size), desc_(desc), avail_(avail), used_(used), features_(f) {
  limits_.indirect_allowed = f.indirect;
}

uint16_t Virtqueue::load_avail_idx() const {
  return atomic_load16(avail_, kAvailIdx, std::memory_order_acquire);
}

uint16_t Virtqueue::available() const { return static_cast<uint16_t>(load_avail_idx() - last_avail_); }

Virtqueue::PopResult Virtqueue::pop() {
  DescriptorChain chain;
  auto r = pop(chain);
  if (std::holds_alternative<Popped>(r)) return chain;
  if (auto* bad = std::get_if<BadChain>(&r)) return *bad;
  if (auto* broken = std::get_if<Broken>(&r)) return std::move(*broken);
  return Empty{};
}

Virtqueue::PopIntoResult Virtqueue::pop(DescriptorChain& chain) {
  if (broken_) return Broken{"queue is broken"};
  const uint16_t avail_idx = load_avail_idx();
  const uint16_t pending = static_cast<uint16_t>(avail_idx - last_avail_);
  if (pending == 0) return Empty{};
  if (pending > size_) {
    broken_ = true;
    return Broken{"avail idx " + std::to_string(avail_idx) + " is " + std::to_string(pending) +
                  " ahead of " + std::to_string(last_avail_) + " (queue size " +
                  std::to_string(size_) + ")"};
  }
  // The entries were written before avail->idx; the acquire load orders them.
  const uint16_t head = load_le<uint16_t>(avail_, kAvailRing + 2u * (last_avail_ % size_));
  if (head >= size_) {
    broken_ = true;
    return Broken{"avail ring head " + std::to_string(head) + " >= queue size " +
                  std::to_string(size_)};
  }
  ++last_avail_;
  // avail_event is not advanced here, only by enable_notification() before the
  // device sleeps (as vhost does): while the device is busy popping, the
  // driver's vring_need_event() sees a stale avail_event and does not kick, so
  // a burst costs one notification (one VM exit) instead of one per request.
  if (auto e = parse_descriptor_chain(*mem_, desc_, head, limits_, chain)) return BadChain{head, *e};
  return Popped{};
}

void Virtqueue::add_used(uint16_t head, uint32_t len) {
  const size_t elem = kUsedRing + kUsedElem * (next_used_ % size_);
  store_le<uint32_t>(used_, elem, head);
  store_le<uint32_t>(used_, elem + 4, len);
  ++next_used_;
  // Publish the element before the index.
  atomic_store16(used_, kUsedIdx, next_used_, std::memory_order_release);
}

bool Virtqueue::needs_interrupt() {
  // used->idx must be visible before we read the driver's suppression state.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  const uint16_t old = signalled_used_;
  signalled_used_ = next_used_;
  if (old == next_used_) return false;
  if (features_.event_idx) {
    // used_event lives after the avail ring.
    const uint16_t used_event = atomic_load16(avail_, kAvailRing + 2u * size_,
                                              std::memory_order_relaxed);
    return vring_need_event(used_event, next_used_, old);
  }
  const uint16_t flags = atomic_load16(avail_, kAvailFlags, std::memory_order_relaxed);
  return !(flags & kAvailFlagNoInterrupt);
}

bool Virtqueue::enable_notification() {
  if (broken_) return false;
  if (features_.event_idx) {
    atomic_store16(used_, kUsedRing + kUsedElem * size_, last_avail_, std::memory_order_relaxed);
  } else {
    atomic_store16(used_, kUsedFlags, 0, std::memory_order_relaxed);
  }
  // Publish before re-reading avail->idx, or a kick could be lost.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  return load_avail_idx() != last_avail_;
}

}  // namespace zvmm::virtio

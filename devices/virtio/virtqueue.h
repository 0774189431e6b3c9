// The device side of one split virtqueue (virtio 1.x, 2.7): reads the avail
// ring, parses descriptor chains, writes the used ring, and decides when the
// driver wants an interrupt (VIRTIO_RING_F_EVENT_IDX or the NO_INTERRUPT flag).
//
// One thread owns a Virtqueue (the queue's worker). Ring memory is shared with
// the guest's vCPUs: avail->idx is loaded with acquire semantics before the
// ring entries and descriptors are read, used elements are written before the
// release store of used->idx, and a full fence separates publishing used->idx
// (or avail_event) from reading the driver's used_event (or avail->idx).
//
// Guest errors never throw. A malformed chain is reported as a ChainError with
// its head (the request can be returned with used length 0); a broken ring (an
// avail index that moved by more than the queue size, a head index out of
// range) makes the queue "broken": the device should set DEVICE_NEEDS_RESET.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>

#include "devices/virtio/descriptor_chain.h"
#include "vmm/guest_memory.h"

namespace zvmm::virtio {

// What the driver programmed through the transport.
struct VirtqueueConfig {
  uint16_t size = 0;
  uint64_t desc = 0;   // 16-byte aligned, 16 * size bytes
  uint64_t avail = 0;  // 2-byte aligned, 6 + 2 * size bytes
  uint64_t used = 0;   // 4-byte aligned, 6 + 8 * size bytes
};

struct VirtqueueFeatures {
  bool event_idx = false;
  bool indirect = false;
};

class Virtqueue {
 public:
  // A queue over validated rings, or a one-line reason why the configuration
  // is unusable (size not a power of two, misaligned or outside guest memory).
  static std::variant<Virtqueue, std::string> create(const GuestMemory& mem,
                                                    const VirtqueueConfig& config,
                                                    const VirtqueueFeatures& features);

  struct Empty {};
  struct Broken {
    std::string reason;
  };
  struct BadChain {
    uint16_t head;
    ChainError error;
  };
  using PopResult = std::variant<Empty, DescriptorChain, BadChain, Broken>;

  // Takes the next available chain.
  PopResult pop();

  // The same into `chain` (reusing its storage): Popped means `chain` holds it.
  struct Popped {};
  using PopIntoResult = std::variant<Empty, Popped, BadChain, Broken>;
  PopIntoResult pop(DescriptorChain& chain);

  // Returns chain `head` to the driver with `len` bytes written into it.
  void add_used(uint16_t head, uint32_t len);

  // True if the driver wants an interrupt for the used entries added since the
  // last call (EVENT_IDX: vring_need_event; else unless NO_INTERRUPT is set).
  bool needs_interrupt();

  // Before sleeping: publishes avail_event (EVENT_IDX) so the driver kicks for
  // the next buffer, then returns true if buffers arrived meanwhile.
  bool enable_notification();

  // Chains the driver made available that pop() has not taken: avail->idx
  // minus the last index taken, modulo 2^16 (not checked against the size;
  // pop() does that).
  uint16_t available() const;

  uint16_t size() const { return size_; }
  uint16_t last_avail_idx() const { return last_avail_; }
  uint16_t used_idx() const { return next_used_; }
  bool broken() const { return broken_; }

 private:
  Virtqueue(const GuestMemory& mem, uint16_t size, std::span<uint8_t> desc,
            std::span<uint8_t> avail, std::span<uint8_t> used, const VirtqueueFeatures& f);

  uint16_t load_avail_idx() const;  // acquire

  const GuestMemory* mem_;
  uint16_t size_;
  std::span<uint8_t> desc_;
  std::span<uint8_t> avail_;
  std::span<uint8_t> used_;
  VirtqueueFeatures features_;
  ChainLimits limits_;
  uint16_t last_avail_ = 0;
  uint16_t next_used_ = 0;
  uint16_t signalled_used_ = 0;  // used idx at the last needs_interrupt()
  bool broken_ = false;
};

// vring_need_event() from the spec: true if new_idx passed event_idx since old_idx.
constexpr bool vring_need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx) {
  return static_cast<uint16_t>(new_idx - event_idx - 1) < static_cast<uint16_t>(new_idx - old_idx);
}

}  // namespace zvmm::virtio

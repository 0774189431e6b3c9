// Test-only driver side of a split virtqueue in guest memory: lays out the
// rings, writes descriptors and avail entries, reads the used ring. Also a
// thread-safe recording VirtioInterrupt and InterruptSourceGroup.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "devices/interrupt.h"
#include "devices/virtio/virtio_device.h"
#include "devices/virtio/virtqueue.h"
#include "vmm/guest_memory.h"

namespace zvmm::virtio::testing {

struct Seg {
  uint64_t addr;
  uint32_t len;
  bool writable;
};

class TestDriverQueue {
 public:
  // Rings at `base` (desc, then avail, then used at the next 4 KiB), data
  // buffers allocated from [buffers, buffers + buffer_bytes).
  TestDriverQueue(const GuestMemory& mem, uint64_t base, uint16_t size, uint64_t buffers,
                  uint64_t buffer_bytes);

  VirtqueueConfig config() const { return config_; }
  uint16_t size() const { return config_.size; }

  void set_desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next);
  // Writes `segs` as a chain of fresh descriptors (or, if `indirect`, as an
  // indirect table referenced by one descriptor); returns the head. Does not publish.
  uint16_t make_chain(const std::vector<Seg>& segs, bool indirect = false);
  // avail->ring[idx % size] = head; ++avail->idx.
  void publish(uint16_t head);
  void set_avail_idx(uint16_t idx);
  uint16_t avail_idx() const;
  void set_avail_flags(uint16_t flags);
  void set_used_event(uint16_t v);
  uint16_t avail_event() const;
  uint16_t used_idx() const;
  struct UsedElem {
    uint32_t id;
    uint32_t len;
  };
  UsedElem used(uint16_t i) const;
  // Zeroes the rings and forgets allocations (after a device reset).
  void clear();

  // Bump allocation in the buffer window (wraps around).
  uint64_t alloc(uint64_t len, uint64_t align = 16);
  void write(uint64_t gpa, std::span<const uint8_t> bytes) const;
  std::vector<uint8_t> read(uint64_t gpa, size_t len) const;

 private:
  const GuestMemory& mem_;
  VirtqueueConfig config_;
  uint64_t buffers_, buffer_bytes_, next_buffer_ = 0;
  uint16_t next_desc_ = 0;
  uint16_t avail_idx_ = 0;
};

// Records VirtioInterrupt calls (thread-safe).
class RecordingVirtioInterrupt final : public VirtioInterrupt {
 public:
  void signal_queue(uint16_t queue) override {
    std::lock_guard lock(mu);
    queue_signals.push_back(queue);
  }
  void signal_config() override { ++config_signals; }
  void set_needs_reset() override { needs_reset = true; }

  size_t queue_signal_count() {
    std::lock_guard lock(mu);
    return queue_signals.size();
  }

  std::mutex mu;
  std::vector<uint16_t> queue_signals;
  std::atomic<int> config_signals{0};
  std::atomic<bool> needs_reset{false};
};

// InterruptSourceGroup counting triggers per vector (thread-safe).
class CountingInterruptGroup final : public InterruptSourceGroup {
 public:
  explicit CountingInterruptGroup(uint32_t size) : counts_(size) {}
  uint32_t size() const override { return static_cast<uint32_t>(counts_.size()); }
  std::error_code trigger(uint32_t i) override {
    if (i >= counts_.size()) return std::make_error_code(std::errc::invalid_argument);
    ++counts_[i];
    return {};
  }
  std::error_code update(uint32_t i, const MsiMessage&, bool) override {
    if (i >= counts_.size()) return std::make_error_code(std::errc::invalid_argument);
    return {};
  }
  std::optional<int> notifier_fd(uint32_t) const override { return std::nullopt; }
  int count(uint32_t i) const { return counts_.at(i).load(); }

 private:
  std::vector<std::atomic<int>> counts_;
};

}  // namespace zvmm::virtio::testing

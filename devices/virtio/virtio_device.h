// What a virtio device model offers a transport. The model knows nothing about
// PCI: VirtioPciTransport (or a future MMIO transport) wraps it, negotiates
// features, collects the queue configuration and hands over ready queues at
// DRIVER_OK.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "devices/virtio/virtio_constants.h"
#include "devices/virtio/virtqueue.h"
#include "base/event_fd.h"
#include "vmm/guest_memory.h"

namespace zvmm::virtio {

// The device's way back to the driver. Thread-safe: queue workers call it.
class VirtioInterrupt {
 public:
  virtual ~VirtioInterrupt() = default;
  // Used buffers were added to queue `queue`.
  virtual void signal_queue(uint16_t queue) = 0;
  // The device configuration changed (bumps config_generation).
  virtual void signal_config() = 0;
  // The device hit an error only a reset cures (sets DEVICE_NEEDS_RESET and
  // raises a configuration interrupt).
  virtual void set_needs_reset() = 0;
};

// One queue the driver enabled, ready for a worker.
struct ActiveQueue {
  uint16_t index = 0;
  Virtqueue queue;
  // Signalled when the driver notifies the queue (ioeventfd or MMIO write).
  // Owned by the transport; valid until after reset() returns.
  const EventFd* kick = nullptr;
};

class VirtioDevice {
 public:
  virtual ~VirtioDevice() = default;

  virtual DeviceType device_type() const = 0;
  // Device-specific feature bits offered (the transport adds VERSION_1,
  // INDIRECT_DESC and EVENT_IDX).
  virtual uint64_t features() const = 0;
  // FEATURES_OK: may the driver run with `driver_features` (already a subset
  // of what was offered)? false makes the transport refuse FEATURES_OK.
  virtual bool accept_features(uint64_t driver_features) const { return true; }

  virtual uint16_t num_queues() const = 0;
  virtual uint16_t max_queue_size() const = 0;

  // Device configuration space (the transport's device cfg window). Reads
  // beyond config_size() return zeros. Called on vCPU threads.
  virtual uint32_t config_size() const = 0;
  virtual void read_config(uint32_t offset, std::span<uint8_t> data) const = 0;
  virtual void write_config(uint32_t offset, std::span<const uint8_t> data) {}

  // DRIVER_OK: start serving `queues` with the negotiated `features`. `mem` and
  // `irq` outlive the activation. Throws on setup failure (thread or I/O queue
  // creation); the transport then sets DEVICE_NEEDS_RESET.
  virtual void activate(const GuestMemory& mem, uint64_t features, std::vector<ActiveQueue> queues,
                        VirtioInterrupt& irq) = 0;

  // Stops serving and forgets the activation: returns once no thread touches
  // guest memory or the queues any more (in-flight I/O is waited for, its
  // results dropped). Idempotent; never throws.
  virtual void reset() = 0;
};

}  // namespace zvmm::virtio

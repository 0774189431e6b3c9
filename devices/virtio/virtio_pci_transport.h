// virtio-pci modern transport (virtio 1.x, 4.1): a PciDevice wrapping any
// VirtioDevice. BAR0 (64-bit memory) holds common cfg, ISR, device cfg, one
// notify doorbell per queue and the MSI-X table/PBA (virtio_pci_layout.h).
//
// Threading: BAR and config accesses arrive on vCPU threads; the common cfg
// registers are guarded by one mutex. Queue work happens off the vCPU threads:
// each queue's doorbell is an EventFd that the device's queue worker waits
// on. The transport lists them (doorbells()); the PCI BAR mapper makes them
// ioeventfds while BAR0 is mapped, and write_bar signals them when a doorbell
// write arrives as an MMIO exit instead (registration refused).
// Workers raise interrupts through VirtioInterrupt, which this class
// implements without taking its mutex (atomics + the MSI-X table's own lock),
// so reset() may join workers while holding it.
//
// Lifetimes: `mem` must outlive the transport.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "base/event_fd.h"
#include "devices/interrupt.h"
#include "devices/pci/msix.h"
#include "devices/pci/pci_device.h"
#include "devices/virtio/virtio_device.h"
#include "vmm/guest_memory.h"

namespace zvmm::virtio {

class VirtioPciTransport final : public PciDevice, private VirtioInterrupt {
 public:
  // MSI-X vectors the transport uses for `device`: one per queue + config.
  static uint16_t msix_vectors(const VirtioDevice& device);

  // `interrupts` must have at least msix_vectors(*device) sources. Throws
  // PciError/std::invalid_argument on a bad device description.
  VirtioPciTransport(std::shared_ptr<VirtioDevice> device, const GuestMemory& mem,
                     std::shared_ptr<InterruptSourceGroup> interrupts);
  ~VirtioPciTransport() override;
  VirtioPciTransport(const VirtioPciTransport&) = delete;
  VirtioPciTransport& operator=(const VirtioPciTransport&) = delete;

  // --- PciDevice ---
  PciConfigSpace& config() override { return config_; }
  void write_config(uint16_t offset, std::span<const uint8_t> data) override;
  void read_bar(uint8_t bar, uint64_t offset, std::span<uint8_t> data) override;
  void write_bar(uint8_t bar, uint64_t offset, std::span<const uint8_t> data) override;
  // One per queue: BAR0 + 0x3000 + 4q, any width, no datamatch -> kick q.
  std::vector<PciDoorbell> doorbells() const override;

  // --- Introspection (tests, VMM diagnostics) ---
  VirtioDevice& device() { return *device_; }
  MsixTable& msix() { return msix_.table(); }
  uint8_t device_status() const;
  bool activated() const;
  uint64_t negotiated_features() const;
  const EventFd& queue_kick(uint16_t queue) const { return *kicks_.at(queue); }
  // Resets the device (as a guest write of 0 to device_status). VMM shutdown.
  void reset();

 private:
  struct QueueState {
    uint16_t size = 0;
    std::atomic<uint16_t> msix_vector{kNoVector};
    bool enabled = false;
    uint64_t desc = 0, driver = 0, device = 0;
  };

  // VirtioInterrupt (queue workers).
  void signal_queue(uint16_t queue) override;
  void signal_config() override;
  void set_needs_reset() override;

  void common_read(uint64_t offset, std::span<uint8_t> data);
  void common_write(uint64_t offset, std::span<const uint8_t> data);
  // The part of an access at BAR `offset` of `len` bytes that falls in the
  // device's config space: {offset in the config, bytes}; nullopt outside it.
  std::optional<std::pair<uint32_t, size_t>> device_config_range(uint64_t offset, size_t len) const;
  void snapshot_common(std::span<uint8_t> regs) const;  // caller holds mu_
  void apply_common_field(uint16_t field, uint64_t value);  // caller holds mu_
  void write_status(uint8_t value);                         // caller holds mu_
  bool features_acceptable() const;                        // caller holds mu_
  void activate_locked();
  void reset_locked();
  QueueState* selected_queue();
  uint16_t checked_vector(uint16_t v) const;

  std::shared_ptr<VirtioDevice> device_;
  const GuestMemory& mem_;
  const uint64_t offered_features_;
  const uint16_t num_queues_;

  PciConfigSpace config_;
  Msix msix_;
  std::vector<std::unique_ptr<EventFd>> kicks_;

  mutable std::mutex mu_;
  uint32_t device_feature_select_ = 0;
  uint32_t driver_feature_select_ = 0;
  uint64_t driver_features_ = 0;
  uint8_t status_ = 0;
  uint16_t queue_select_ = 0;
  bool activated_ = false;
  std::vector<QueueState> queues_;

  std::atomic<uint16_t> config_vector_{kNoVector};
  std::atomic<uint8_t> isr_{0};
  std::atomic<bool> needs_reset_{false};
  std::atomic<uint8_t> config_generation_{0};
};

}  // namespace zvmm::virtio

// The NVMe controller model (NVMe Base Specification 2.0 and the NVMe over
// PCIe Transport Specification): register file, admin queue, I/O queues,
// admin commands and the NVM command set over zoned::ZonedDevice namespaces.
// It knows nothing about PCI: NvmePciFunction (nvme_pci.h) wraps it, routes
// BAR0 accesses below the MSI-X table here, registers the doorbells this
// class lists as ioeventfds and delivers interrupts through NvmeInterrupt.
//
// Threads:
//   - mmio_read/mmio_write come from vCPU threads (any number, concurrently).
//     Register accesses and admin commands are handled on the calling vCPU
//     thread under the controller's lock (admin SQ doorbell writes run the
//     admin commands made available).
//   - each I/O submission queue is served by a devices::run_queue_worker
//     thread (ZonedQueue per SQ); the SQ tail doorbell wakes it through an
//     EventFd: signalled by mmio_write() when the doorbell write traps, or
//     by KVM directly when the doorbell is registered as an ioeventfd
//     (only once shadow doorbells are on for that queue, because only then
//     does the controller learn the new tail without the written value).
//   - interrupts are raised from any of these threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "base/event_fd.h"
#include "devices/nvme/controller_config.h"
#include "devices/nvme/nvme_interrupt.h"
#include "vmm/guest_memory.h"

namespace zvmm::nvme {

// Asynchronous Event Types (Asynchronous Event Request completion DW0 2:0).
enum class AsyncEventType : uint8_t {
  kError = 0,            // always reported (not maskable)
  kSmartHealth = 1,      // Asynchronous Event Configuration bits 7:0
  kNotice = 2,           // AEC bit 8 + info (00h NS attribute, 01h FW activation,
                         // 03h ANA, EFh Zone Descriptor Changed: bit 27)
  kIoCommandSet = 6,
  kVendor = 7,
};

// A BAR0 doorbell that is served without a trap right now.
struct NvmeDoorbell {
  uint64_t offset = 0;           // BAR0 offset (sq_tail_doorbell(qid) / cq_head_doorbell(qid))
  const EventFd* event = nullptr;  // signalled by the write; owned by the controller
  friend bool operator==(const NvmeDoorbell&, const NvmeDoorbell&) = default;
};

class NvmeController {
 public:
  // MSI-X vectors the PCI function must offer for `config`.
  static uint16_t msix_vectors(const ControllerConfig& config) { return config.max_io_queues + 1; }

  // `mem` and `irq` outlive the controller. Throws std::invalid_argument on
  // a bad config (ControllerConfig::validate()).
  NvmeController(ControllerConfig config, const GuestMemory& mem, NvmeInterrupt& irq);
  ~NvmeController();  // stop()
  NvmeController(const NvmeController&) = delete;
  NvmeController& operator=(const NvmeController&) = delete;

  const ControllerConfig& config() const;

  // Guest accesses to BAR0 at `offset` (< doorbells_end(max_io_queues)):
  // registers below 1000h (ControllerRegisters' access rules), doorbells
  // above. Never throw; a guest that breaks the protocol gets CSTS.CFS or an
  // ignored write, never a crash.
  void mmio_read(uint64_t offset, std::span<uint8_t> data);
  void mmio_write(uint64_t offset, std::span<const uint8_t> data);

  // The doorbells to register as ioeventfds now. The set changes when shadow
  // doorbells are turned on (Doorbell Buffer Config) and when I/O queues are
  // created or deleted while they are on; the controller then calls the
  // doorbells_changed callback, on the thread that made the change and with
  // no controller lock held (the PCI wrapper calls PciRoot::refresh_doorbells
  // from it, which calls doorbells()).
  std::vector<NvmeDoorbell> doorbells() const;
  void set_doorbells_changed(std::function<void()> callback);

  // Reports an asynchronous event (NVMe Base 2.0 section 5.2): completes an
  // outstanding Asynchronous Event Request with DW0 = type | info << 8 |
  // log_page << 16, or keeps the event until the host submits one. Events
  // the Asynchronous Event Configuration feature disables are dropped; a
  // reported type stays masked until the host reads `log_page` with RAE 0
  // (Get Log Page). Events and held requests are dropped by a controller
  // reset. Thread-safe (any thread, no controller lock needed: issue 12's
  // Zone Descriptor Changed comes from I/O workers). Never throws.
  void raise_async_event(AsyncEventType type, uint8_t info, uint8_t log_page);

  // Zone Descriptor Changed (issue 12): the device changed the zone holding
  // `sector` (512-byte sectors of namespace `nsid`'s device) on its own, e.g.
  // the control socket injected READ ONLY / OFFLINE. Adds the zone's ZSLBA to
  // the namespace's Changed Zone List (log page BFh) and raises the
  // asynchronous event Notice / info EFh / log page BFh (DW0 00BFEF02h) if the
  // host enabled it (Set Features 0Bh bit 27; one outstanding until the host
  // reads log BFh with RAE 0; changes meanwhile accumulate in the list).
  // False (nothing recorded) if `nsid` is not a zoned namespace or `sector`
  // is beyond it. Thread-safe, no controller lock needed. Never throws.
  bool zone_changed(uint32_t nsid, uint64_t sector);

  // PCI function-level reset or VM reset: every queue stopped and deleted
  // (in-flight I/O waited for), registers to power-on values. Never throws.
  void reset();
  // VMM exit: like reset() but final (later doorbells do nothing). The disks
  // are left consistent; the caller flushes them. Idempotent.
  void stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace zvmm::nvme

// The PCI function of a zvmm NVMe controller (NVMe over PCIe Transport
// Specification 1.0, section 3 "PCI Express Register Definitions"): a
// PciDevice around one NvmeController, as VirtioPciTransport is around a
// VirtioDevice. The controller knows nothing about PCI; this class owns
//   - the config space: class 01h/08h/02h (mass storage, NVM, NVM Express),
//     vendor/device kPciVendorId:kPciDeviceId (pci_ids.h), subsystem ids,
//     no interrupt pin (MSI-X only), no PCI Express or PM capability
//     (Linux's nvme driver needs neither: it matches the class and asks for
//     MSI-X vectors; so there is no FLR either);
//   - one 64-bit memory BAR0 (BAR0/1) laid out by bar0_layout(): registers
//     at 0, doorbells at 1000h, the MSI-X table and PBA after them;
//   - MSI-X, one vector per completion queue (vector 0: admin CQ), raised by
//     the controller through NvmeInterrupt;
//   - the routing of BAR0 accesses: MSI-X table/PBA first, then everything
//     below the doorbells' end to the controller; the rest reads 0;
//   - the doorbell list: the controller's NvmeDoorbells as PciDoorbells
//     (BAR0, 4-byte writes, no datamatch), and the hook that tells PciRoot
//     when that list changes.
//
// Doorbell EventFds: PciRoot keeps the EventFd of every registered doorbell
// until it unregisters it (after the list changed), but the controller owns
// each doorbell's EventFd inside its I/O SQ and destroys it when the queue is
// deleted (Delete I/O SQ, controller reset, stop), and a recreated queue may
// get a new EventFd at the old address with the old fd number. So the
// PciDoorbells point to this class's own duplicates of the controller's
// eventfds (EventFd::duplicate: the same eventfd to KVM): one set per change
// notification from the controller, the previous set kept until the next
// doorbells() call, by which time PciRoot has unregistered it (it asks for
// the list and drops the entries that left it in one step under its lock).
// Remaining gap: a queue deleted by another vCPU between the controller's
// snapshot in doorbells() and the duplication; that needs the controller to
// keep one EventFd per queue id for its lifetime (asked of nvme-core).
//
// Memory Space Enable is the PCI layer's: while it is off PciBarMapper takes
// BAR0 off the MMIO bus, so no access reaches this class (the guest reads
// what the bus gives for an unmapped address). Bus Master Enable is not
// enforced (the controller does DMA whatever the bit says).
//
// Threading: BAR accesses arrive on vCPU threads without any PCI lock and go
// straight to the controller (which locks) or the MSI-X table (which locks).
// doorbells() is called under PciRoot's lock and takes only the
// controller's. The doorbells-changed callback runs on the thread that made
// the change (a vCPU thread running an admin command), without this class's
// or the controller's locks, so it may call PciRoot::refresh_doorbells().
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "base/event_fd.h"
#include "devices/interrupt.h"
#include "devices/nvme/controller_config.h"
#include "devices/nvme/nvme_controller.h"
#include "devices/nvme/nvme_interrupt.h"
#include "devices/nvme/pci_ids.h"
#include "devices/nvme/pci_layout.h"
#include "devices/pci/msix.h"
#include "devices/pci/pci_device.h"
#include "vmm/guest_memory.h"

namespace zvmm::nvme {

// PCI identity: kPciVendorId/kPciDeviceId/kPciSubsystem* (pci_ids.h, shared
// with Identify Controller's VID/SSVID: 1b36:5a56, not QEMU's quirked 0010).
inline constexpr uint8_t kPciRevision = 1;
inline constexpr uint32_t kPciClassNvme = 0x010802;  // class 01h, subclass 08h, prog-if 02h

class NvmePciFunction final : public PciDevice, private NvmeInterrupt {
 public:
  // MSI-X vectors the function offers for `config` (the interrupt group must
  // have at least this many sources).
  static uint16_t msix_vectors(const ControllerConfig& config) {
    return NvmeController::msix_vectors(config);
  }

  // Builds the controller over `mem` with `config`. `interrupts` must have at
  // least msix_vectors(config) sources. Throws std::invalid_argument for a bad
  // config (ControllerConfig::validate()) and PciError for a layout the PCI
  // layer refuses. `mem` and the namespaces' devices must outlive this object.
  NvmePciFunction(ControllerConfig config, const GuestMemory& mem,
                  std::shared_ptr<InterruptSourceGroup> interrupts);
  ~NvmePciFunction() override;  // stop()
  NvmePciFunction(const NvmePciFunction&) = delete;
  NvmePciFunction& operator=(const NvmePciFunction&) = delete;

  // --- PciDevice ---
  PciConfigSpace& config() override { return config_; }
  void write_config(uint16_t offset, std::span<const uint8_t> data) override;
  void read_bar(uint8_t bar, uint64_t offset, std::span<uint8_t> data) override;
  void write_bar(uint8_t bar, uint64_t offset, std::span<const uint8_t> data) override;
  // The controller's doorbells served without a trap now (shadow doorbells
  // on): BAR0, len 4, no datamatch. Empty until the guest turns shadow
  // doorbells on; until then every doorbell write is a trapped write_bar().
  std::vector<PciDoorbell> doorbells() const override;

  // `callback` runs whenever doorbells() changes (see the threading note);
  // the VMM sets it once the function is plugged, to
  // `[&pci, &f] { pci.refresh_doorbells(f); }`. An empty function turns it
  // off (the destructor does, before the controller stops).
  void set_doorbells_changed(std::function<void()> callback);

  // VM reset: the controller to its power-on state (queues deleted, in-flight
  // I/O waited for). MSI-X state is the guest's and stays.
  void reset();
  // VMM exit: the controller stops for good (NvmeController::stop(): no more
  // doorbells, in-flight I/O finished); the caller flushes the disks after.
  // Idempotent.
  void stop();

  // --- Introspection (tests, VMM diagnostics) ---
  NvmeController& controller() { return *controller_; }
  const Bar0Layout& layout() const { return layout_; }
  MsixTable& msix() { return msix_.table(); }

 private:
  // NvmeInterrupt (any thread, no lock of ours).
  void signal(uint16_t vector) override;
  void doorbells_changed();

  const Bar0Layout layout_;
  PciConfigSpace config_;
  Msix msix_;
  // Bumped by every change notification from the controller.
  std::atomic<uint64_t> doorbell_generation_{0};
  // The list doorbells() last returned, with its duplicated EventFds.
  struct Listed {
    uint64_t offset = 0;
    const EventFd* source = nullptr;  // the controller's (compared, never dereferenced later)
    std::unique_ptr<EventFd> event;   // ours
  };
  mutable std::mutex doorbell_mu_;
  mutable std::vector<Listed> listed_;                    // guarded by doorbell_mu_
  mutable uint64_t listed_generation_ = 0;                // guarded by doorbell_mu_
  mutable std::vector<std::unique_ptr<EventFd>> retired_;  // guarded by doorbell_mu_
  std::mutex callback_mu_;
  std::function<void()> on_doorbells_changed_;  // guarded by callback_mu_
  // Last: its queue workers raise interrupts through msix_ until it stops.
  std::unique_ptr<NvmeController> controller_;
};

}  // namespace zvmm::nvme

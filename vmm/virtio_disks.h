// The --disk devices. Each is a zoned::ZonedDevice (opened before KVM, so
// image errors come first) and, once the VM exists, a virtio-blk PCI function
// (VirtioBlk + VirtioPciTransport, docs/virtio.md) on the PCI root.
//
// Lifetimes: declare this object before the DeviceManager (PciRoot owns the
// transports, which refer to the devices) and after the GuestMemory; the
// InterruptManager's VM must outlive the PciRoot (as must the IoEventRegistrar
// the PciRoot registers the transports' doorbells with).
// shutdown() (also run by the destructor) resets every transport, which joins
// the queue workers after their I/O completed, then flushes every device.
#pragma once

#include <memory>
#include <stdexcept>
#include <vector>

#include "devices/interrupt.h"
#include "devices/virtio/virtio_pci_transport.h"
#include "vmm/disk_config.h"
#include "vmm/guest_memory.h"
#include "zoned/zoned_device.h"

namespace zvmm {

class PciRoot;

// A disk that cannot be opened or created (main(): exit_code::kDiskError).
class DiskError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class VirtioDisks {
 public:
  // Opens every disk. Throws DiskError naming the --disk option.
  explicit VirtioDisks(const std::vector<DiskConfig>& configs);
  ~VirtioDisks();
  VirtioDisks(const VirtioDisks&) = delete;
  VirtioDisks& operator=(const VirtioDisks&) = delete;

  // Plugs a virtio-blk function per disk into `pci` (slots in order). A disk
  // without queues= gets one queue per vCPU (`vcpus`).
  void attach(PciRoot& pci, const GuestMemory& mem, InterruptManager& interrupts,
              uint32_t vcpus);

  // Stops the devices and flushes the disks; returns false (after printing a
  // `zvmm: ` line) if a flush failed. Idempotent.
  bool shutdown();

 private:
  struct Disk {
    DiskConfig config;
    std::unique_ptr<zoned::ZonedDevice> device;
    // Owned by the PciRoot, so that it dies with the DeviceManager, before the
    // VM its interrupts use.
    std::weak_ptr<virtio::VirtioPciTransport> transport;
  };
  std::vector<Disk> disks_;
  bool shut_down_ = false;
};

}  // namespace zvmm

// The --disk devices, owned in one place. Each is a zoned::ZonedDevice opened
// before KVM (so image errors come first) and, once the VM exists, a PCI
// function on the PCI root chosen by its front end (attach(): virtio-blk is a
// VirtioBlk + VirtioPciTransport, docs/virtio.md). At exit shutdown() stops
// the front ends and flushes every disk; a failed final flush is zvmm's exit
// status 8 (final_stop_reason()).
//
// Lifetimes: declare this object before the DeviceManager (PciRoot owns the
// PCI functions, which refer to the devices) and after the GuestMemory; the
// InterruptManager's VM must outlive the PciRoot (as must the IoEventRegistrar
// the PciRoot registers the front ends' doorbells with).
// The destructor runs shutdown() if nobody did (an exception path).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <stdexcept>
#include <string>
#include <vector>

#include "devices/interrupt.h"
#include "vmm/disk_config.h"
#include "vmm/guest_memory.h"
#include "vmm/vm_stop.h"
#include "zoned/instrumented_device.h"
#include "zoned/zone_engine.h"
#include "zoned/zoned_device.h"

namespace zvmm {

class PciRoot;

// A disk that cannot be opened or created (main(): exit_code::kDiskError).
class DiskError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Disks {
 public:
  // Opens every disk, in order. Throws DiskError "--disk TEXT: ...".
  explicit Disks(const std::vector<DiskSpec>& specs);
  // Disks whose devices are already open (tests: a device whose flush fails).
  struct Opened {
    DiskSpec spec;
    std::unique_ptr<zoned::ZonedDevice> device;
  };
  explicit Disks(std::vector<Opened> disks);
  ~Disks();
  Disks(const Disks&) = delete;
  Disks& operator=(const Disks&) = delete;

  size_t size() const { return disks_.size(); }

  // What the control socket (vmm/control) sees of disk i. Every device is
  // wrapped in a zoned::InstrumentedDevice (I/O counters, fault injection:
  // both front ends submit through it). `engine` is the emulated device
  // inside (nullptr for a host device): inject_condition, open/active counts.
  struct View {
    const std::string& name;  // disk_names()
    const DiskSpec& spec;
    zoned::InstrumentedDevice& device;
    zoned::ZoneEngine* engine;
    uint32_t nsid;  // NVMe: the namespace id; 0 for virtio-blk
  };
  View disk(size_t i);
  // The index of the disk named `name`, or nullopt.
  std::optional<size_t> find(std::string_view name) const;

  // A zone's condition changed by the host (not by a guest command): for an
  // NVMe zoned namespace, the one place that tells the controller (Changed
  // Zone List, Zone Descriptor Changed AEN). Any thread.
  void zone_changed(size_t i, uint64_t zone_start);

  // Plugs each disk's PCI function into `pci` (slots in order). A virtio-blk
  // disk without queues= gets one queue per vCPU (`vcpus`).
  void attach(PciRoot& pci, const GuestMemory& mem, InterruptManager& interrupts,
              uint32_t vcpus);

  // Stops every front end (its queue workers finish their in-flight I/O),
  // then flushes every writable disk (data and zone state), all of them even
  // after a failure. Returns the first failure as one line naming the disk,
  // "--disk TEXT: final flush failed: WHY", or nullopt. Idempotent: only the
  // first call flushes.
  std::optional<std::string> shutdown();

 private:
  struct Disk {
    DiskSpec spec;
    std::unique_ptr<zoned::InstrumentedDevice> device;
    zoned::ZoneEngine* engine = nullptr;
    std::string name;
    uint32_t nsid = 0;
    // NVMe (set by attach()): tells the controller of a zone the host changed.
    std::function<void(uint64_t sector)> zone_changed;
    // Stops the front end: it holds only a weak_ptr to the PCI function, which
    // the PciRoot owns, so that it dies with the DeviceManager, before the
    // VM its interrupts use.
    std::function<void()> stop_frontend;
  };
  void add(DiskSpec spec, std::unique_ptr<zoned::ZonedDevice> device);
  void name_disks();

  std::vector<Disk> disks_;
  bool shut_down_ = false;
};

// The names the control socket gives the disks, in --disk order: the name a
// Linux guest gives the device when it probes them in PCI slot order (the
// usual case). virtio-blk disks: vda, vdb, ... vdz, vdaa, ... in their order
// among the virtio-blk disks. NVMe namespaces: nvmeCnN, C the controller's
// index among the controllers (0, 1, ... in the order of their first disk,
// which is their PCI slot order), N the namespace's nsid.
std::vector<std::string> disk_names(std::span<const DiskSpec> specs);

// zvmm's exit once the VM stopped for `stop` and the disks were shut down: a
// failed final flush makes it exit_code::kDiskError with the flush's message,
// followed by how the VM had stopped; otherwise `stop` as it is.
StopReason final_stop_reason(StopReason stop, const std::optional<std::string>& flush_error);

}  // namespace zvmm

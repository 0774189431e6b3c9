#include "vmm/virtio_disks.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "devices/pci/pci_root.h"
#include "devices/virtio/virtio_blk.h"
#include "zoned/sync_zone_client.h"
#include "zoned/zone_status.h"

namespace zvmm {

VirtioDisks::VirtioDisks(const std::vector<DiskConfig>& configs) {
  for (const DiskConfig& config : configs) {
    try {
      disks_.push_back({config, zoned::open_zoned_device(config.device), {}});
    } catch (const std::exception& e) {
      throw DiskError("--disk " + config.text + ": " + e.what());
    }
  }
}

VirtioDisks::~VirtioDisks() { shutdown(); }

void VirtioDisks::attach(PciRoot& pci, const GuestMemory& mem, InterruptManager& interrupts,
                         uint32_t vcpus) {
  for (size_t i = 0; i < disks_.size(); ++i) {
    Disk& disk = disks_[i];
    const uint16_t queues =
        disk.config.queues != 0 ? disk.config.queues
                                : static_cast<uint16_t>(std::clamp<uint32_t>(vcpus, 1, kMaxDiskQueues));
    auto blk = std::make_shared<virtio::VirtioBlk>(
        *disk.device, virtio::VirtioBlkOptions{.num_queues = queues,
                                               .queue_size = 256,
                                               .serial = "zvmm" + std::to_string(i),
                                               .read_only = disk.config.device.read_only,
                                               .kick_yield = disk.config.kick_yield});
    std::shared_ptr<InterruptSourceGroup> irq =
        interrupts.create_msi_group(virtio::VirtioPciTransport::msix_vectors(*blk));
    auto transport = std::make_shared<virtio::VirtioPciTransport>(blk, mem, std::move(irq));
    pci.add_device(transport);  // maps BAR0, registers the queues' doorbells
    disk.transport = transport;
  }
}

bool VirtioDisks::shutdown() {
  if (shut_down_) return true;
  shut_down_ = true;
  for (Disk& disk : disks_) {
    if (const auto transport = disk.transport.lock()) transport->reset();
  }
  bool ok = true;
  for (Disk& disk : disks_) {
    if (disk.device->read_only()) continue;
    try {
      zoned::SyncZoneClient client(*disk.device, disk.device->create_queue(1));
      if (const zoned::ZoneStatus st = client.flush(); st != zoned::ZoneStatus::kOk) {
        std::fprintf(stderr, "zvmm: flushing %s failed: %s\n", disk.device->description().c_str(),
                     std::string(zoned::to_string(st)).c_str());
        ok = false;
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "zvmm: flushing %s failed: %s\n", disk.device->description().c_str(), e.what());
      ok = false;
    }
  }
  return ok;
}

}  // namespace zvmm

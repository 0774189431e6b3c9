#include "vmm/disks.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "devices/nvme/nvme_pci.h"
#include "devices/pci/pci_root.h"
#include "devices/virtio/virtio_blk.h"
#include "devices/virtio/virtio_pci_transport.h"
#include "vmm/exit_codes.h"
#include "vmm/nvme_disks.h"
#include "zoned/open_zoned_device.h"
#include "zoned/sync_zone_client.h"
#include "zoned/zone_status.h"

namespace zvmm {
namespace {

// The final flush of one disk: "" if it succeeded (or the disk is read-only).
std::string flush(zoned::ZonedDevice& device) {
  if (device.read_only()) return "";
  try {
    zoned::SyncZoneClient client(device, 1);
    if (const zoned::ZoneStatus st = client.flush(); st != zoned::ZoneStatus::kOk) {
      return std::string(zoned::to_string(st));
    }
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace

std::vector<std::string> disk_names(std::span<const DiskSpec> specs) {
  std::vector<std::string> names(specs.size());
  size_t virtio = 0;
  for (size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].frontend != DiskFrontend::kVirtioBlk) continue;
    // Linux's sd_format_disk_name() scheme: a..z, aa..az, ba.., zz, aaa..
    std::string suffix;
    for (size_t n = virtio++ + 1; n > 0; n = (n - 1) / 26) suffix.insert(suffix.begin(), static_cast<char>('a' + (n - 1) % 26));
    names[i] = "vd" + suffix;
  }
  bool any_nvme = false;
  for (const DiskSpec& s : specs) any_nvme = any_nvme || s.frontend == DiskFrontend::kNvme;
  if (any_nvme) {
    const std::vector<NvmeControllerPlan> controllers = plan_nvme_controllers(specs);
    for (size_t c = 0; c < controllers.size(); ++c) {
      for (const auto& ns : controllers[c].namespaces) {
        names[ns.disk] = "nvme" + std::to_string(c) + "n" + std::to_string(ns.nsid);
      }
    }
  }
  return names;
}

void Disks::add(DiskSpec spec, std::unique_ptr<zoned::ZonedDevice> device) {
  auto instrumented = std::make_unique<zoned::InstrumentedDevice>(std::move(device));
  zoned::ZoneEngine* engine = dynamic_cast<zoned::ZoneEngine*>(&instrumented->inner());
  disks_.push_back({.spec = std::move(spec), .device = std::move(instrumented), .engine = engine});
}

void Disks::name_disks() {
  std::vector<DiskSpec> specs;
  for (const Disk& d : disks_) specs.push_back(d.spec);
  std::vector<std::string> names;
  try {
    names = disk_names(specs);
  } catch (const std::exception&) {
    names.assign(specs.size(), "");  // tests with hand-made specs: by index below
  }
  for (size_t i = 0; i < disks_.size(); ++i) {
    disks_[i].name = names[i].empty() ? "disk" + std::to_string(i) : names[i];
    const std::string& n = disks_[i].name;
    if (const size_t p = n.rfind('n'); n.starts_with("nvme") && p > 4) disks_[i].nsid = std::stoul(n.substr(p + 1));
  }
}

Disks::Disks(const std::vector<DiskSpec>& specs) {
  for (const DiskSpec& spec : specs) {
    try {
      add(spec, zoned::open_zoned_device(spec.backing));
    } catch (const std::exception& e) {
      throw DiskError("--disk " + spec.text + ": " + e.what());
    }
  }
  name_disks();
}

Disks::Disks(std::vector<Opened> disks) {
  for (Opened& d : disks) add(std::move(d.spec), std::move(d.device));
  name_disks();
}

Disks::View Disks::disk(size_t i) {
  Disk& d = disks_.at(i);
  return {d.name, d.spec, *d.device, d.engine, d.nsid};
}

std::optional<size_t> Disks::find(std::string_view name) const {
  for (size_t i = 0; i < disks_.size(); ++i) {
    if (disks_[i].name == name) return i;
  }
  return std::nullopt;
}

void Disks::zone_changed(size_t i, uint64_t zone_start) {
  // NVMe: the controller adds the zone to the namespace's Changed Zone List
  // and raises the Zone Descriptor Changed AEN if the host enabled it (it
  // ignores a namespace that is not zoned). virtio-blk has no such event: the
  // guest sees the change at its next zone report or I/O.
  const Disk& d = disks_.at(i);
  if (d.zone_changed) d.zone_changed(zone_start);
}

Disks::~Disks() {
  if (const auto error = shutdown()) std::fprintf(stderr, "zvmm: %s\n", error->c_str());
}

void Disks::attach(PciRoot& pci, const GuestMemory& mem, InterruptManager& interrupts,
                   uint32_t vcpus) {
  std::vector<DiskSpec> specs;
  for (const Disk& d : disks_) specs.push_back(d.spec);
  const std::vector<NvmeControllerPlan> controllers = plan_nvme_controllers(specs);
  uint16_t cntlid = 0;
  for (size_t i = 0; i < disks_.size(); ++i) {
    Disk& disk = disks_[i];
    // The PCI function of each front end: the one place that picks it.
    switch (disk.spec.frontend) {
      case DiskFrontend::kVirtioBlk: {
        const VirtioBlkDiskOptions& o = disk.spec.virtio;
        const uint16_t queues =
            o.queues != 0 ? o.queues : static_cast<uint16_t>(std::clamp<uint32_t>(vcpus, 1, kMaxDiskQueues));
        auto blk = std::make_shared<virtio::VirtioBlk>(
            *disk.device, virtio::VirtioBlkOptions{.num_queues = queues,
                                                   .queue_size = 256,
                                                   .serial = "zvmm" + std::to_string(i),
                                                   .read_only = disk.device->read_only(),
                                                   .kick_yield = o.kick_yield});
        std::shared_ptr<InterruptSourceGroup> irq =
            interrupts.create_msi_group(virtio::VirtioPciTransport::msix_vectors(*blk));
        auto transport = std::make_shared<virtio::VirtioPciTransport>(blk, mem, std::move(irq));
        pci.add_device(transport);  // maps BAR0, registers the queues' doorbells
        disk.stop_frontend = [weak = std::weak_ptr<virtio::VirtioPciTransport>(transport)] {
          if (const auto t = weak.lock()) t->reset();  // joins the queue workers
        };
        break;
      }
      case DiskFrontend::kNvme: {
        // One function per controller, plugged at its first disk's turn.
        const auto plan = std::find_if(controllers.begin(), controllers.end(), [i](const auto& p) {
          return p.namespaces.front().disk == i;
        });
        if (plan == controllers.end()) break;  // a later namespace of an earlier controller
        nvme::ControllerConfig config;
        try {
          config = nvme_controller_config(
              *plan, ++cntlid, specs, [this](size_t d) { return disks_[d].device.get(); }, vcpus);
        } catch (const std::invalid_argument& e) {
          throw DiskError("--disk " + disk.spec.text + ": " + e.what());
        }
        std::shared_ptr<InterruptSourceGroup> irq =
            interrupts.create_msi_group(nvme::NvmePciFunction::msix_vectors(config));
        auto function = std::make_shared<nvme::NvmePciFunction>(std::move(config), mem, std::move(irq));
        pci.add_device(function);  // maps BAR0 (no doorbells registered until shadow doorbells)
        // The function learns of PciRoot here: the controller adds and drops
        // ioeventfd doorbells at run time.
        function->set_doorbells_changed([&pci, f = function.get()] { pci.refresh_doorbells(*f); });
        disk.stop_frontend = [weak = std::weak_ptr<nvme::NvmePciFunction>(function)] {
          if (const auto f = weak.lock()) f->stop();  // waits for in-flight I/O
        };
        // Zone changes the host makes (control socket) reach each namespace's
        // Changed Zone List and AEN through the controller.
        for (const auto& ns : plan->namespaces) {
          disks_[ns.disk].nsid = ns.nsid;
          disks_[ns.disk].zone_changed = [weak = std::weak_ptr<nvme::NvmePciFunction>(function),
                                          nsid = ns.nsid](uint64_t sector) {
            if (const auto f = weak.lock()) f->controller().zone_changed(nsid, sector);
          };
        }
        break;
      }
    }
  }
}

std::optional<std::string> Disks::shutdown() {
  if (shut_down_) return std::nullopt;
  shut_down_ = true;
  for (Disk& disk : disks_) {
    if (disk.stop_frontend) disk.stop_frontend();
  }
  std::optional<std::string> first;
  size_t failed = 0;
  for (Disk& disk : disks_) {
    if (const std::string why = flush(*disk.device); !why.empty()) {
      if (!first) first = "--disk " + disk.spec.text + ": final flush failed: " + why;
      ++failed;
    }
  }
  if (failed > 1) {
    *first += " (and " + std::to_string(failed - 1) + " more disk" + (failed > 2 ? "s" : "") + ")";
  }
  return first;
}

StopReason final_stop_reason(StopReason stop, const std::optional<std::string>& flush_error) {
  if (!flush_error) return stop;
  std::string message = *flush_error + "; the VM had stopped with status " + std::to_string(stop.exit_code);
  if (!stop.message.empty()) message += ": " + stop.message;
  return {exit_code::kDiskError, std::move(message)};
}

}  // namespace zvmm

#include "devices/nvme/nvme_pci.h"

#include <algorithm>
#include <cstdio>
#include <system_error>
#include <utility>

namespace zvmm::nvme {
namespace {

// Validated before anything is built from it: the BAR layout needs
// max_io_queues >= 1, which validate() checks along with the rest.
const ControllerConfig& checked(const ControllerConfig& config) {
  config.validate();
  return config;
}

PciConfigSpace make_config(const Bar0Layout& layout) {
  PciConfigSpace config(PciIds{.vendor = kPciVendorId,
                               .device = kPciDeviceId,
                               .class_code = kPciClassNvme,
                               .revision = kPciRevision,
                               .subsystem_vendor = kPciSubsystemVendorId,
                               .subsystem = kPciSubsystemId});
  config.add_bar(kRegisterBar, {.kind = PciBarKind::kMem64, .size = layout.size});
  return config;
}

}  // namespace

NvmePciFunction::NvmePciFunction(ControllerConfig config, const GuestMemory& mem,
                                 std::shared_ptr<InterruptSourceGroup> interrupts)
    : layout_(bar0_layout(checked(config).max_io_queues, msix_vectors(config))),
      config_(make_config(layout_)),
      msix_(config_, msix_vectors(config), std::move(interrupts), layout_.msix()) {
  NvmeInterrupt& irq = *this;
  controller_ = std::make_unique<NvmeController>(std::move(config), mem, irq);
  controller_->set_doorbells_changed([this] { doorbells_changed(); });
}

NvmePciFunction::~NvmePciFunction() {
  set_doorbells_changed({});  // PciRoot may be going away
  stop();
}

// ---- PciDevice ----

void NvmePciFunction::write_config(uint16_t offset, std::span<const uint8_t> data) {
  config_.write(offset, data);
  msix_.config_written(offset, data.size());
}

void NvmePciFunction::read_bar(uint8_t bar, uint64_t offset, std::span<uint8_t> data) {
  if (msix_.read_bar(bar, offset, data)) return;
  std::fill(data.begin(), data.end(), 0);
  if (bar != kRegisterBar || offset >= layout_.doorbells_end) return;
  controller_->mmio_read(offset, data);
}

void NvmePciFunction::write_bar(uint8_t bar, uint64_t offset, std::span<const uint8_t> data) {
  if (msix_.write_bar(bar, offset, data)) return;
  if (bar != kRegisterBar || offset >= layout_.doorbells_end || data.empty()) return;
  controller_->mmio_write(offset, data);
}

std::vector<PciDoorbell> NvmePciFunction::doorbells() const {
  std::lock_guard lock(doorbell_mu_);
  retired_.clear();  // the set before last: PciRoot has unregistered it
  const uint64_t generation = doorbell_generation_.load();
  const std::vector<NvmeDoorbell> now = controller_->doorbells();
  const bool same = generation == listed_generation_ &&
                    std::equal(now.begin(), now.end(), listed_.begin(), listed_.end(),
                               [](const NvmeDoorbell& d, const Listed& l) {
                                 return d.offset == l.offset && d.event == l.source;
                               });
  if (!same) {
    for (Listed& l : listed_) retired_.push_back(std::move(l.event));
    listed_.clear();
    for (const NvmeDoorbell& d : now) {
      try {
        listed_.push_back({d.offset, d.event, std::make_unique<EventFd>(EventFd::duplicate(*d.event))});
      } catch (const std::system_error& e) {
        // Out of descriptors: this doorbell stays a trapped write.
        std::fprintf(stderr, "zvmm: nvme: doorbell at BAR0 %#llx stays a VM exit: %s\n",
                     static_cast<unsigned long long>(d.offset), e.what());
      }
    }
    listed_generation_ = generation;
  }
  std::vector<PciDoorbell> out;
  for (const Listed& l : listed_) {
    out.push_back({.bar = kRegisterBar,
                   .offset = l.offset,
                   .len = 4,  // Linux writes doorbells with writel
                   .datamatch = std::nullopt,
                   .event = l.event.get()});
  }
  return out;
}

void NvmePciFunction::set_doorbells_changed(std::function<void()> callback) {
  std::lock_guard lock(callback_mu_);
  on_doorbells_changed_ = std::move(callback);
}

void NvmePciFunction::doorbells_changed() {
  doorbell_generation_.fetch_add(1);  // new EventFds for the next list
  // Held during the call so that set_doorbells_changed({}) waits for a
  // refresh in progress; the callback never comes back here.
  std::lock_guard lock(callback_mu_);
  if (on_doorbells_changed_) on_doorbells_changed_();
}

void NvmePciFunction::reset() { controller_->reset(); }

void NvmePciFunction::stop() { controller_->stop(); }

// ---- NvmeInterrupt ----

void NvmePciFunction::signal(uint16_t vector) {
  // Delivered, left pending while masked, or dropped while MSI-X is off or
  // the vector does not exist (a guest-chosen IV beyond the table).
  msix_.trigger(vector);
}

}  // namespace zvmm::nvme

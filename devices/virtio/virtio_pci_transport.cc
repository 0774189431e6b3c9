#include "devices/virtio/virtio_pci_transport.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "devices/pci/pci_error.h"
#include "devices/virtio/virtio_pci_layout.h"
#include "base/le.h"

namespace zvmm::virtio {

namespace L = pci_layout;
namespace C = pci_layout::common;

namespace {

// The MSI-X table (a vector per queue + config) and PBA fit their windows.
static_assert(L::kMsixTable + Msix::table_bytes(L::kMaxQueues + 1) <= L::kMsixPba);
static_assert(L::kMsixPba + Msix::pba_bytes(L::kMaxQueues + 1) <= L::kBarSize);

constexpr uint64_t kTransportFeatures =
    bit(feature::kVersion1) | bit(feature::kRingIndirectDesc) | bit(feature::kRingEventIdx);

uint32_t class_code_for(DeviceType type) {
  switch (type) {
    case DeviceType::kBlock: return 0x018000;  // mass storage, other
    case DeviceType::kNet: return 0x020000;
    default: return 0xff0000;
  }
}

// struct virtio_pci_cap after cap_vndr/cap_next (and notify's multiplier).
std::vector<uint8_t> cap_body(uint8_t cfg_type, uint32_t offset, uint32_t length,
                              std::optional<uint32_t> multiplier = std::nullopt) {
  std::vector<uint8_t> b(multiplier ? 18 : 14, 0);
  b[0] = static_cast<uint8_t>(b.size() + 2);  // cap_len
  b[1] = cfg_type;
  b[2] = L::kBar;
  store_le<uint32_t>(b, 6, offset);
  store_le<uint32_t>(b, 10, length);
  if (multiplier) store_le<uint32_t>(b, 14, *multiplier);
  return b;
}

PciConfigSpace make_config(const VirtioDevice& device) {
  const auto type = static_cast<uint16_t>(device.device_type());
  PciConfigSpace config(PciIds{.vendor = L::kVendorId,
                               .device = static_cast<uint16_t>(L::kDeviceIdBase + type),
                               .class_code = class_code_for(device.device_type()),
                               .revision = L::kRevision,
                               .subsystem_vendor = L::kVendorId,
                               .subsystem = L::kSubsystemId});
  config.add_bar(L::kBar, {.kind = PciBarKind::kMem64, .size = L::kBarSize});
  const uint32_t dev_cfg_len = (device.config_size() + 3u) & ~3u;
  config.add_capability(L::kCapVendorId,
                        cap_body(L::kCapCommonCfg, L::kCommonCfg, L::kCommonCfgSize));
  config.add_capability(L::kCapVendorId,
                        cap_body(L::kCapNotifyCfg, L::kNotify,
                                 L::kNotifyOffMultiplier * device.num_queues(),
                                 L::kNotifyOffMultiplier));
  config.add_capability(L::kCapVendorId, cap_body(L::kCapIsrCfg, L::kIsr, 1));
  if (dev_cfg_len) {
    config.add_capability(L::kCapVendorId, cap_body(L::kCapDeviceCfg, L::kDeviceCfg, dev_cfg_len));
  }
  return config;
}

const VirtioDevice& checked(const std::shared_ptr<VirtioDevice>& d) {
  if (!d) throw std::invalid_argument("virtio-pci: no device");
  if (d->num_queues() == 0 || d->num_queues() > L::kMaxQueues) {
    throw std::invalid_argument("virtio-pci: " + std::to_string(d->num_queues()) +
                                " queues (1.." + std::to_string(L::kMaxQueues) + " supported)");
  }
  const uint16_t max = d->max_queue_size();
  if (max == 0 || max > kMaxQueueSize || !std::has_single_bit(max)) {
    throw std::invalid_argument("virtio-pci: max queue size " + std::to_string(max) +
                                " is not a power of two <= 32768");
  }
  if (d->config_size() > L::kDeviceCfgMax) {
    throw std::invalid_argument("virtio-pci: device config of " +
                                std::to_string(d->config_size()) + " bytes is too large");
  }
  return *d;
}

struct Field {
  uint16_t offset;
  uint8_t size;
};
constexpr std::array<Field, 17> kCommonFields{{
    {C::kDeviceFeatureSelect, 4}, {C::kDeviceFeature, 4}, {C::kDriverFeatureSelect, 4},
    {C::kDriverFeature, 4},       {C::kConfigMsixVector, 2}, {C::kNumQueues, 2},
    {C::kDeviceStatus, 1},        {C::kConfigGeneration, 1}, {C::kQueueSelect, 2},
    {C::kQueueSize, 2},           {C::kQueueMsixVector, 2},  {C::kQueueEnable, 2},
    {C::kQueueNotifyOff, 2},      {C::kQueueDesc, 8},        {C::kQueueDriver, 8},
    {C::kQueueDevice, 8},         {C::kQueueNotifyData, 2},
}};

}  // namespace

uint16_t VirtioPciTransport::msix_vectors(const VirtioDevice& device) {
  return static_cast<uint16_t>(device.num_queues() + 1);
}

VirtioPciTransport::VirtioPciTransport(std::shared_ptr<VirtioDevice> device,
                                       const GuestMemory& mem,
                                       std::shared_ptr<InterruptSourceGroup> interrupts)
    : device_(std::move(device)),
      mem_(mem),
      offered_features_(checked(device_).features() | kTransportFeatures),
      num_queues_(device_->num_queues()),
      config_(make_config(*device_)),
      msix_(config_, msix_vectors(*device_), std::move(interrupts),
            MsixLayout{.table_bar = L::kBar, .table_offset = L::kMsixTable,
                       .pba_bar = L::kBar, .pba_offset = L::kMsixPba}),
      queues_(num_queues_) {
  for (uint16_t q = 0; q < num_queues_; ++q) kicks_.push_back(std::make_unique<EventFd>());
  std::lock_guard lock(mu_);
  reset_locked();
}

VirtioPciTransport::~VirtioPciTransport() { reset(); }

// ---- PciDevice ----

void VirtioPciTransport::write_config(uint16_t offset, std::span<const uint8_t> data) {
  config_.write(offset, data);
  msix_.config_written(offset, data.size());
}

void VirtioPciTransport::read_bar(uint8_t bar, uint64_t offset, std::span<uint8_t> data) {
  if (msix_.read_bar(bar, offset, data)) return;
  std::fill(data.begin(), data.end(), 0);
  if (bar != L::kBar) return;
  if (offset < L::kCommonCfg + L::kCommonCfgSize) {
    common_read(offset - L::kCommonCfg, data);
  } else if (offset == L::kIsr && !data.empty()) {
    data[0] = isr_.exchange(0);  // read-to-clear
  } else if (auto r = device_config_range(offset, data.size())) {
    std::lock_guard lock(mu_);
    device_->read_config(r->first, data.first(r->second));
  }
}

std::optional<std::pair<uint32_t, size_t>> VirtioPciTransport::device_config_range(uint64_t offset,
                                                                                   size_t len) const {
  if (offset < L::kDeviceCfg || offset >= L::kDeviceCfg + L::kDeviceCfgMax) return std::nullopt;
  const uint64_t rel = offset - L::kDeviceCfg;
  const uint32_t size = device_->config_size();
  if (rel >= size) return std::nullopt;
  return std::make_pair(static_cast<uint32_t>(rel), static_cast<size_t>(std::min<uint64_t>(len, size - rel)));
}

void VirtioPciTransport::write_bar(uint8_t bar, uint64_t offset, std::span<const uint8_t> data) {
  if (msix_.write_bar(bar, offset, data)) return;
  if (bar != L::kBar || data.empty()) return;
  if (offset < L::kCommonCfg + L::kCommonCfgSize) {
    common_write(offset - L::kCommonCfg, data);
  } else if (offset >= L::kDeviceCfg && offset < L::kDeviceCfg + L::kDeviceCfgMax) {
    if (auto r = device_config_range(offset, data.size())) {
      std::lock_guard lock(mu_);
      device_->write_config(r->first, data.first(r->second));
    }
  } else if (offset >= L::kNotify && offset < L::kNotify + L::kNotifyMax) {
    // A doorbell that arrived as a plain MMIO exit (its ioeventfd was refused).
    const uint64_t q = (offset - L::kNotify) / L::kNotifyOffMultiplier;
    if (q < num_queues_) kicks_[q]->signal();
  }
}

std::vector<PciDoorbell> VirtioPciTransport::doorbells() const {
  std::vector<PciDoorbell> out;
  out.reserve(num_queues_);
  for (uint16_t q = 0; q < num_queues_; ++q) {
    out.push_back({.bar = L::kBar,
                   .offset = L::kNotify + uint64_t{L::kNotifyOffMultiplier} * q,
                   .len = 0,
                   .datamatch = std::nullopt,
                   .event = kicks_[q].get()});
  }
  return out;
}

// ---- common configuration ----

VirtioPciTransport::QueueState* VirtioPciTransport::selected_queue() {
  return queue_select_ < num_queues_ ? &queues_[queue_select_] : nullptr;
}

uint16_t VirtioPciTransport::checked_vector(uint16_t v) const {
  return v < msix_.vectors() ? v : kNoVector;
}

void VirtioPciTransport::snapshot_common(std::span<uint8_t> r) const {
  auto* self = const_cast<VirtioPciTransport*>(this);
  const uint64_t dev_feat =
      device_feature_select_ < 2 ? offered_features_ >> (32 * device_feature_select_) : 0;
  const uint64_t drv_feat =
      driver_feature_select_ < 2 ? driver_features_ >> (32 * driver_feature_select_) : 0;
  store_le<uint32_t>(r, C::kDeviceFeatureSelect, device_feature_select_);
  store_le<uint32_t>(r, C::kDeviceFeature, static_cast<uint32_t>(dev_feat));
  store_le<uint32_t>(r, C::kDriverFeatureSelect, driver_feature_select_);
  store_le<uint32_t>(r, C::kDriverFeature, static_cast<uint32_t>(drv_feat));
  store_le<uint16_t>(r, C::kConfigMsixVector, config_vector_.load());
  store_le<uint16_t>(r, C::kNumQueues, num_queues_);
  r[C::kDeviceStatus] = static_cast<uint8_t>(status_ | (needs_reset_ ? status::kNeedsReset : 0));
  r[C::kConfigGeneration] = config_generation_.load();
  store_le<uint16_t>(r, C::kQueueSelect, queue_select_);
  if (const QueueState* q = self->selected_queue()) {
    store_le<uint16_t>(r, C::kQueueSize, q->size);
    store_le<uint16_t>(r, C::kQueueMsixVector, q->msix_vector.load());
    store_le<uint16_t>(r, C::kQueueEnable, q->enabled ? 1 : 0);
    store_le<uint16_t>(r, C::kQueueNotifyOff, queue_select_);
    store_le<uint64_t>(r, C::kQueueDesc, q->desc);
    store_le<uint64_t>(r, C::kQueueDriver, q->driver);
    store_le<uint64_t>(r, C::kQueueDevice, q->device);
  } else {
    store_le<uint16_t>(r, C::kQueueMsixVector, kNoVector);
  }
}

void VirtioPciTransport::common_read(uint64_t offset, std::span<uint8_t> data) {
  std::array<uint8_t, L::kCommonCfgSize> regs{};
  std::lock_guard lock(mu_);
  snapshot_common(regs);
  const size_t n = std::min<uint64_t>(data.size(), regs.size() - offset);
  std::copy_n(regs.begin() + offset, n, data.begin());
}

void VirtioPciTransport::common_write(uint64_t offset, std::span<const uint8_t> data) {
  std::array<uint8_t, L::kCommonCfgSize> regs{};
  std::lock_guard lock(mu_);
  snapshot_common(regs);
  const size_t n = std::min<uint64_t>(data.size(), regs.size() - offset);
  std::copy_n(data.begin(), n, regs.begin() + offset);
  // Apply every field the write touched, using the merged bytes (so 64-bit
  // registers can be written as two 32-bit halves).
  for (const Field& f : kCommonFields) {
    if (offset >= uint64_t{f.offset} + f.size || offset + n <= f.offset) continue;
    uint64_t value = 0;
    for (int i = f.size - 1; i >= 0; --i) value = value << 8 | regs[f.offset + i];
    apply_common_field(f.offset, value);
  }
}

void VirtioPciTransport::apply_common_field(uint16_t field, uint64_t value) {
  QueueState* q = selected_queue();
  const bool queue_writable = q && !q->enabled && !activated_;
  switch (field) {
    case C::kDeviceFeatureSelect: device_feature_select_ = static_cast<uint32_t>(value); break;
    case C::kDriverFeatureSelect: driver_feature_select_ = static_cast<uint32_t>(value); break;
    case C::kDriverFeature:
      if ((status_ & status::kFeaturesOk) || driver_feature_select_ >= 2) break;
      {
        const unsigned shift = 32 * driver_feature_select_;
        driver_features_ = (driver_features_ & ~(uint64_t{0xffffffff} << shift)) |
                           (value & 0xffffffff) << shift;
      }
      break;
    case C::kConfigMsixVector:
      config_vector_ = checked_vector(static_cast<uint16_t>(value));
      break;
    case C::kDeviceStatus: write_status(static_cast<uint8_t>(value)); break;
    case C::kQueueSelect: queue_select_ = static_cast<uint16_t>(value); break;
    case C::kQueueSize:
      if (queue_writable && value && value <= device_->max_queue_size() &&
          std::has_single_bit(value)) {
        q->size = static_cast<uint16_t>(value);
      }
      break;
    case C::kQueueMsixVector:
      if (q) q->msix_vector = checked_vector(static_cast<uint16_t>(value));
      break;
    case C::kQueueEnable:
      if (queue_writable && value == 1) q->enabled = true;
      break;
    case C::kQueueDesc: if (queue_writable) q->desc = value; break;
    case C::kQueueDriver: if (queue_writable) q->driver = value; break;
    case C::kQueueDevice: if (queue_writable) q->device = value; break;
    default: break;  // read-only
  }
}

bool VirtioPciTransport::features_acceptable() const {
  if (driver_features_ & ~offered_features_) return false;
  if (!(driver_features_ & bit(feature::kVersion1))) return false;
  return device_->accept_features(driver_features_);
}

void VirtioPciTransport::write_status(uint8_t value) {
  if (value == 0) {
    reset_locked();
    return;
  }
  value &= static_cast<uint8_t>(~status::kNeedsReset);  // device-owned bit
  if ((value & status::kFeaturesOk) && !(status_ & status::kFeaturesOk) &&
      !features_acceptable()) {
    value &= static_cast<uint8_t>(~status::kFeaturesOk);  // refused: reads back clear
  }
  const bool driver_ok_now = (value & status::kDriverOk) && !(status_ & status::kDriverOk);
  status_ = value;
  if (driver_ok_now && (status_ & status::kFeaturesOk) && !activated_) activate_locked();
}

void VirtioPciTransport::activate_locked() {
  const VirtqueueFeatures vf{.event_idx = (driver_features_ & bit(feature::kRingEventIdx)) != 0,
                             .indirect = (driver_features_ & bit(feature::kRingIndirectDesc)) != 0};
  std::vector<ActiveQueue> active;
  for (uint16_t i = 0; i < num_queues_; ++i) {
    const QueueState& q = queues_[i];
    if (!q.enabled) continue;
    auto vq = Virtqueue::create(mem_, {q.size, q.desc, q.driver, q.device}, vf);
    if (auto* err = std::get_if<std::string>(&vq)) {
      std::fprintf(stderr, "virtio-pci: queue %u: %s; device needs reset\n", i, err->c_str());
      set_needs_reset();
      return;
    }
    active.push_back({i, std::get<Virtqueue>(std::move(vq)), kicks_[i].get()});
  }
  try {
    device_->activate(mem_, driver_features_, std::move(active), *this);
    activated_ = true;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "virtio-pci: activation failed: %s; device needs reset\n", e.what());
    device_->reset();
    set_needs_reset();
  }
}

void VirtioPciTransport::reset_locked() {
  device_->reset();
  activated_ = false;
  device_feature_select_ = driver_feature_select_ = 0;
  driver_features_ = 0;
  status_ = 0;
  queue_select_ = 0;
  for (QueueState& q : queues_) {
    q.size = device_->max_queue_size();
    q.msix_vector = kNoVector;
    q.enabled = false;
    q.desc = q.driver = q.device = 0;
  }
  config_vector_ = kNoVector;
  isr_ = 0;
  needs_reset_ = false;
  for (auto& k : kicks_) k->consume();  // stale doorbells
}

void VirtioPciTransport::reset() {
  std::lock_guard lock(mu_);
  reset_locked();
}

uint8_t VirtioPciTransport::device_status() const {
  std::lock_guard lock(mu_);
  return static_cast<uint8_t>(status_ | (needs_reset_ ? status::kNeedsReset : 0));
}

bool VirtioPciTransport::activated() const {
  std::lock_guard lock(mu_);
  return activated_;
}

uint64_t VirtioPciTransport::negotiated_features() const {
  std::lock_guard lock(mu_);
  return driver_features_;
}

// ---- VirtioInterrupt (any thread, no mu_) ----

void VirtioPciTransport::signal_queue(uint16_t queue) {
  if (queue >= num_queues_) return;
  isr_.fetch_or(L::kIsrQueue);
  const uint16_t v = queues_[queue].msix_vector.load();
  if (v != kNoVector) msix_.trigger(v);
}

void VirtioPciTransport::signal_config() {
  config_generation_.fetch_add(1);
  isr_.fetch_or(L::kIsrConfig);
  const uint16_t v = config_vector_.load();
  if (v != kNoVector) msix_.trigger(v);
}

void VirtioPciTransport::set_needs_reset() {
  if (needs_reset_.exchange(true)) return;
  isr_.fetch_or(L::kIsrConfig);
  const uint16_t v = config_vector_.load();
  if (v != kNoVector) msix_.trigger(v);
}

}  // namespace zvmm::virtio

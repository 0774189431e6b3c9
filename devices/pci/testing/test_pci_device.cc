#include "devices/pci/testing/test_pci_device.h"

#include <algorithm>

#include "base/le.h"

namespace zvmm::testing {

namespace {
PciConfigSpace make_config() {
  PciConfigSpace config(PciIds{.vendor = TestPciDevice::kVendorId,
                               .device = TestPciDevice::kDeviceId,
                               .class_code = 0x00ff00,
                               .subsystem_vendor = TestPciDevice::kVendorId,
                               .subsystem = 0x1100});
  config.add_bar(0, {.kind = PciBarKind::kMem64, .size = TestPciDevice::kBar0Size});
  config.add_bar(2, {.kind = PciBarKind::kMem32, .size = TestPciDevice::kBar2Size});
  config.add_bar(4, {.kind = PciBarKind::kIo, .size = TestPciDevice::kBar4Size});
  return config;
}
}  // namespace

TestPciDevice::TestPciDevice(std::shared_ptr<InterruptSourceGroup> group)
    : config_(make_config()),
      msix_(config_, kVectors, std::move(group),
            MsixLayout{.table_bar = 0, .table_offset = kTableOffset, .pba_bar = 0,
                       .pba_offset = kPbaOffset}) {}

void TestPciDevice::write_config(uint16_t offset, std::span<const uint8_t> data) {
  config_.write(offset, data);
  msix_.config_written(offset, data.size());
}

void TestPciDevice::read_bar(uint8_t bar, uint64_t offset, std::span<uint8_t> data) {
  if (msix_.read_bar(bar, offset, data)) return;
  std::fill(data.begin(), data.end(), 0);
  if (bar != 0 || data.size() != 4) return;
  std::lock_guard lock(mutex_);
  if (offset == kScratch) store_le(data, 0, scratch_);
  if (offset == kMagic) store_le(data, 0, kMagicValue);
}

void TestPciDevice::write_bar(uint8_t bar, uint64_t offset, std::span<const uint8_t> data) {
  if (msix_.write_bar(bar, offset, data)) return;
  if (bar != 0) {
    std::lock_guard lock(mutex_);
    other_writes.push_back({bar, offset});
    return;
  }
  if (data.size() != 4) return;
  const uint32_t value = load_le<uint32_t>(data);
  if (offset == kScratch) {
    std::lock_guard lock(mutex_);
    scratch_ = value;
  } else if (offset == kDoorbell && value < kVectors) {
    msix_.trigger(static_cast<uint16_t>(value));
  }
}

}  // namespace zvmm::testing

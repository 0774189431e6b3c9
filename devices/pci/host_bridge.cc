#include "devices/pci/host_bridge.h"

#include <algorithm>

namespace zvmm {

PciHostBridge::PciHostBridge()
    : config_(PciIds{.vendor = kVendorId,
                     .device = kDeviceId,
                     .class_code = kClassCode,
                     .subsystem_vendor = kVendorId,
                     .subsystem = kDeviceId}) {}

void PciHostBridge::read_bar(uint8_t, uint64_t, std::span<uint8_t> data) {
  std::fill(data.begin(), data.end(), 0xff);
}

}  // namespace zvmm

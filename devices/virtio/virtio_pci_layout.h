// Register layout of zvmm's virtio-pci (modern, virtio 1.x) functions: one
// 64-bit memory BAR holding every structure the vendor capabilities point at,
// plus the MSI-X table and PBA. See docs/virtio.md.
#pragma once

#include <cstdint>

namespace zvmm::virtio::pci_layout {

inline constexpr uint16_t kVendorId = 0x1af4;
inline constexpr uint16_t kDeviceIdBase = 0x1040;  // + device type (modern-only ids)
inline constexpr uint8_t kRevision = 1;            // modern device
inline constexpr uint16_t kSubsystemId = 0x1100;

inline constexpr uint8_t kBar = 0;
inline constexpr uint64_t kBarSize = 0x8000;

// BAR offsets.
inline constexpr uint64_t kCommonCfg = 0x0000;
inline constexpr uint64_t kCommonCfgSize = 0x40;
inline constexpr uint64_t kIsr = 0x1000;
inline constexpr uint64_t kDeviceCfg = 0x2000;
inline constexpr uint64_t kDeviceCfgMax = 0x1000;
inline constexpr uint64_t kNotify = 0x3000;
inline constexpr uint32_t kNotifyOffMultiplier = 4;  // one doorbell per queue
inline constexpr uint64_t kNotifyMax = 0x1000;
inline constexpr uint32_t kMsixTable = 0x4000;
inline constexpr uint32_t kMsixPba = 0x6000;
inline constexpr uint16_t kMaxQueues = 511;  // notify window and table room (+1 config vector)

// virtio_pci_cap cfg_type values.
inline constexpr uint8_t kCapCommonCfg = 1;
inline constexpr uint8_t kCapNotifyCfg = 2;
inline constexpr uint8_t kCapIsrCfg = 3;
inline constexpr uint8_t kCapDeviceCfg = 4;
inline constexpr uint8_t kCapPciCfg = 5;
inline constexpr uint8_t kCapVendorId = 0x09;

// struct virtio_pci_common_cfg offsets.
namespace common {
inline constexpr uint16_t kDeviceFeatureSelect = 0x00;
inline constexpr uint16_t kDeviceFeature = 0x04;
inline constexpr uint16_t kDriverFeatureSelect = 0x08;
inline constexpr uint16_t kDriverFeature = 0x0c;
inline constexpr uint16_t kConfigMsixVector = 0x10;
inline constexpr uint16_t kNumQueues = 0x12;
inline constexpr uint16_t kDeviceStatus = 0x14;
inline constexpr uint16_t kConfigGeneration = 0x15;
inline constexpr uint16_t kQueueSelect = 0x16;
inline constexpr uint16_t kQueueSize = 0x18;
inline constexpr uint16_t kQueueMsixVector = 0x1a;
inline constexpr uint16_t kQueueEnable = 0x1c;
inline constexpr uint16_t kQueueNotifyOff = 0x1e;
inline constexpr uint16_t kQueueDesc = 0x20;
inline constexpr uint16_t kQueueDriver = 0x28;
inline constexpr uint16_t kQueueDevice = 0x30;
inline constexpr uint16_t kQueueNotifyData = 0x38;
inline constexpr uint16_t kQueueReset = 0x3a;
inline constexpr uint16_t kEnd = 0x3c;
}  // namespace common

// ISR status bits (read-to-clear).
inline constexpr uint8_t kIsrQueue = 1;
inline constexpr uint8_t kIsrConfig = 2;

}  // namespace zvmm::virtio::pci_layout

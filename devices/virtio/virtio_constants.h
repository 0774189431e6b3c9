// Numbers from the virtio 1.x specification shared by the transport and the
// device models: device status bits, transport feature bits, descriptor flags.
#pragma once

#include <cstdint>

namespace zvmm::virtio {

// Device types (virtio spec 5); PCI device id = 0x1040 + type.
enum class DeviceType : uint16_t { kNet = 1, kBlock = 2, kConsole = 3 };

namespace status {
inline constexpr uint8_t kAcknowledge = 1;
inline constexpr uint8_t kDriver = 2;
inline constexpr uint8_t kDriverOk = 4;
inline constexpr uint8_t kFeaturesOk = 8;
inline constexpr uint8_t kNeedsReset = 0x40;
inline constexpr uint8_t kFailed = 0x80;
}  // namespace status

namespace feature {
inline constexpr unsigned kRingIndirectDesc = 28;
inline constexpr unsigned kRingEventIdx = 29;
inline constexpr unsigned kVersion1 = 32;
inline constexpr unsigned kAccessPlatform = 33;
inline constexpr unsigned kRingPacked = 34;
}  // namespace feature

constexpr uint64_t bit(unsigned b) { return uint64_t{1} << b; }

namespace desc_flags {
inline constexpr uint16_t kNext = 1;
inline constexpr uint16_t kWrite = 2;
inline constexpr uint16_t kIndirect = 4;
}  // namespace desc_flags

inline constexpr uint16_t kAvailFlagNoInterrupt = 1;
inline constexpr uint16_t kUsedFlagNoNotify = 1;

// MSI-X "no vector" (common cfg config_msix_vector / queue_msix_vector).
inline constexpr uint16_t kNoVector = 0xffff;

// Largest split queue (spec 2.7: queue size <= 32768, a power of two).
inline constexpr uint16_t kMaxQueueSize = 32768;

}  // namespace zvmm::virtio

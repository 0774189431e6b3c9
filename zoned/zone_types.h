// Zone vocabulary shared by every front end (virtio-blk, NVMe ZNS). The numeric
// values are those of virtio, struct blk_zone and libzbd. Addresses in the zoned
// engine are 512-byte sectors.
#pragma once

#include <cstdint>
#include <string_view>

namespace zvmm::zoned {

inline constexpr uint64_t kSectorSize = 512;
inline constexpr unsigned kSectorShift = 9;

enum class ZoneType : uint8_t {
  kConventional = 1,
  kSequentialWriteRequired = 2,   // host-managed
  kSequentialWritePreferred = 3,  // host-aware
};

enum class ZoneCondition : uint8_t {
  kNotWp = 0x0,
  kEmpty = 0x1,
  kImplicitOpen = 0x2,
  kExplicitOpen = 0x3,
  kClosed = 0x4,
  kReadOnly = 0xD,
  kFull = 0xE,
  kOffline = 0xF,
};

// virtio-blk numbering (0 none, 1 HM, 2 HA).
enum class ZonedModel : uint8_t { kNone = 0, kHostManaged = 1, kHostAware = 2 };

enum class ZoneOp : uint8_t { kOpen, kClose, kFinish, kReset };

// Report filter; NVMe Zone Management Receive numbering for 0..7.
enum class ZoneFilter : uint8_t {
  kAll = 0,
  kEmpty = 1,
  kImplicitOpen = 2,
  kExplicitOpen = 3,
  kClosed = 4,
  kFull = 5,
  kReadOnly = 6,
  kOffline = 7,
  kNotWp = 0x3f,
  kNonSeq = 0x11,
};

// One zone as reported, in sectors.
struct ZoneDescriptor {
  uint64_t start = 0;
  uint64_t len = 0;
  uint64_t capacity = 0;
  uint64_t wp = 0;  // FULL zones report start + len (Linux drivers' convention)
  ZoneType type = ZoneType::kConventional;
  ZoneCondition cond = ZoneCondition::kNotWp;
  bool non_seq = false;  // host-aware: a write not at the wp happened
};

constexpr bool is_open(ZoneCondition c) {
  return c == ZoneCondition::kImplicitOpen || c == ZoneCondition::kExplicitOpen;
}
constexpr bool is_active(ZoneCondition c) { return is_open(c) || c == ZoneCondition::kClosed; }

bool matches(ZoneFilter filter, const ZoneDescriptor& zone);
bool is_valid_condition(uint8_t raw);

std::string_view to_string(ZoneCondition c);
std::string_view to_string(ZoneType t);
std::string_view to_string(ZonedModel m);
std::string_view to_string(ZoneOp op);

}  // namespace zvmm::zoned

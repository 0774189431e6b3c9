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

// Zone management actions (ZBC OPEN/CLOSE/FINISH ZONE, RESET WRITE POINTER;
// NVMe Zone Management Send actions 03h/01h/02h/04h/05h). kOffline takes a
// READONLY zone OFFLINE (NVMe only; OFFLINE stays OFFLINE).
enum class ZoneOp : uint8_t { kOpen, kClose, kFinish, kReset, kOffline };

// NVMe ZNS Select All (Zone Management Send, CDW13 bit 8): the conditions each
// action applies to when applied to every zone; zones in other conditions
// are skipped, not errors. open: CLOSED; close: IMP/EXP_OPEN; finish:
// IMP/EXP_OPEN, CLOSED; reset: IMP/EXP_OPEN, CLOSED, FULL; offline: READONLY.
// (Reset-all of virtio-blk and ZBC RESET WRITE POINTER ALL is reset's set.)
bool select_all_applies(ZoneOp op, ZoneCondition c);

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
  // Write pointer. FULL zones: start + capacity (where writing ended); front
  // ends apply their own convention (see wp_zone_end_if_full). Conventional
  // zones: start + len. READONLY/OFFLINE: the last write pointer.
  uint64_t wp = 0;
  ZoneType type = ZoneType::kConventional;
  ZoneCondition cond = ZoneCondition::kNotWp;
  bool non_seq = false;  // host-aware: a write not at the wp happened
};

constexpr bool is_open(ZoneCondition c) {
  return c == ZoneCondition::kImplicitOpen || c == ZoneCondition::kExplicitOpen;
}
constexpr bool is_active(ZoneCondition c) { return is_open(c) || c == ZoneCondition::kClosed; }

bool matches(ZoneFilter filter, const ZoneDescriptor& zone);

// The write pointer with FULL zones at start + len: Linux's struct blk_zone
// convention (the virtio-blk and NVMe drivers both report it that way), used
// by the virtio-blk report and zvmm-zones.
constexpr uint64_t wp_zone_end_if_full(const ZoneDescriptor& d) {
  return d.cond == ZoneCondition::kFull ? d.start + d.len : d.wp;
}
bool is_valid_condition(uint8_t raw);

std::string_view to_string(ZoneCondition c);
std::string_view to_string(ZoneType t);
std::string_view to_string(ZonedModel m);
std::string_view to_string(ZoneOp op);

}  // namespace zvmm::zoned

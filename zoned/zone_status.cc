#include "zoned/zone_status.h"

namespace zvmm::zoned {

std::string_view to_string(ZoneStatus s) {
  switch (s) {
    case ZoneStatus::kOk: return "ok";
    case ZoneStatus::kOutOfRange: return "out of range";
    case ZoneStatus::kMisaligned: return "not aligned to the logical block size";
    case ZoneStatus::kInvalidField: return "sector is not a zone start";
    case ZoneStatus::kUnalignedWrite: return "write not at the write pointer";
    case ZoneStatus::kBoundaryError: return "crosses a zone boundary or capacity";
    case ZoneStatus::kAppendTooLarge: return "append larger than max append size";
    case ZoneStatus::kInvalidZoneOp: return "invalid operation for the zone type";
    case ZoneStatus::kZoneFull: return "zone is full";
    case ZoneStatus::kZoneReadOnly: return "zone is read-only";
    case ZoneStatus::kZoneOffline: return "zone is offline";
    case ZoneStatus::kOpenResource: return "too many open zones";
    case ZoneStatus::kActiveResource: return "too many active zones";
    case ZoneStatus::kInvalidTransition: return "invalid zone state transition";
    case ZoneStatus::kIoError: return "I/O error";
  }
  return "unknown";
}

}  // namespace zvmm::zoned

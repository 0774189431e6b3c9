#include "devices/virtio/blk_status.h"

#include "devices/virtio/blk_protocol.h"

namespace zvmm::virtio::blk {

uint8_t to_virtio_status(zoned::ZoneStatus s, bool is_read) {
  using zoned::ZoneStatus;
  switch (s) {
    case ZoneStatus::kOk: return status::kOk;
    case ZoneStatus::kOutOfRange:
    case ZoneStatus::kMisaligned:
    case ZoneStatus::kIoError: return status::kIoErr;
    case ZoneStatus::kUnalignedWrite: return status::kZoneUnalignedWp;
    case ZoneStatus::kOpenResource: return status::kZoneOpenResource;
    case ZoneStatus::kActiveResource: return status::kZoneActiveResource;
    case ZoneStatus::kZoneOffline: return is_read ? status::kIoErr : status::kZoneInvalidCmd;
    case ZoneStatus::kInvalidField:
    case ZoneStatus::kBoundaryError:
    case ZoneStatus::kAppendTooLarge:
    case ZoneStatus::kInvalidZoneOp:
    case ZoneStatus::kZoneFull:
    case ZoneStatus::kZoneReadOnly:
    case ZoneStatus::kInvalidTransition: return status::kZoneInvalidCmd;
  }
  return status::kIoErr;
}

uint8_t zone_type(zoned::ZoneType t) {
  switch (t) {
    case zoned::ZoneType::kConventional: return 1;
    case zoned::ZoneType::kSequentialWriteRequired: return 2;
    case zoned::ZoneType::kSequentialWritePreferred: return 3;
  }
  return 0;
}

uint8_t zone_state(zoned::ZoneCondition c) {
  using C = zoned::ZoneCondition;
  switch (c) {
    case C::kNotWp: return 0;
    case C::kEmpty: return 1;
    case C::kImplicitOpen: return 2;
    case C::kExplicitOpen: return 3;
    case C::kClosed: return 4;
    case C::kReadOnly: return 13;
    case C::kFull: return 14;
    case C::kOffline: return 15;
  }
  return 0;
}

uint8_t zoned_model(zoned::ZonedModel m) {
  switch (m) {
    case zoned::ZonedModel::kNone: return 0;
    case zoned::ZonedModel::kHostManaged: return 1;
    case zoned::ZonedModel::kHostAware: return 2;
  }
  return 0;
}

}  // namespace zvmm::virtio::blk

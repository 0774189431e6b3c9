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

}  // namespace zvmm::virtio::blk

// The engine's neutral vocabulary -> virtio-blk numbers: the status byte (per
// the table in docs/zoned-model.md and zoned-spec.md section 1), the zone
// report's z_type / z_state and the config space's zoned.model (virtio 1.3
// section 5.2.6, VIRTIO_BLK_ZT_*, VIRTIO_BLK_ZS_*, VIRTIO_BLK_Z_*).
#pragma once

#include <cstdint>

#include "zoned/zone_status.h"
#include "zoned/zone_types.h"

namespace zvmm::virtio::blk {

// `is_read`: an OFFLINE zone fails reads with IOERR rather than ZONE_INVALID_CMD.
uint8_t to_virtio_status(zoned::ZoneStatus s, bool is_read = false);

// VIRTIO_BLK_ZT_CONV 1, SWR 2, SWP 3.
uint8_t zone_type(zoned::ZoneType t);
// VIRTIO_BLK_ZS_NOT_WP 0, EMPTY 1, IOPEN 2, EOPEN 3, CLOSED 4, RDONLY 13, FULL 14, OFFLINE 15.
uint8_t zone_state(zoned::ZoneCondition c);
// VIRTIO_BLK_Z_NONE 0, HM 1, HA 2.
uint8_t zoned_model(zoned::ZonedModel m);

}  // namespace zvmm::virtio::blk

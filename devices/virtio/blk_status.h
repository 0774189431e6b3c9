// ZoneStatus (the engine's typed result) -> virtio-blk status byte, per the
// table in docs/zoned-model.md and zoned-spec.md section 1.
#pragma once

#include <cstdint>

#include "zoned/zone_status.h"

namespace zvmm::virtio::blk {

// `is_read`: an OFFLINE zone fails reads with IOERR rather than ZONE_INVALID_CMD.
uint8_t to_virtio_status(zoned::ZoneStatus s, bool is_read = false);

}  // namespace zvmm::virtio::blk

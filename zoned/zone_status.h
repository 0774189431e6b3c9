// Result of a guest-driven zoned operation. Devices map it to their own codes
// (docs/zoned-model.md has the table): virtio-blk status, NVMe SCT 1 codes.
#pragma once

#include <cstdint>
#include <string_view>

namespace zvmm::zoned {

enum class ZoneStatus : uint8_t {
  kOk,
  kOutOfRange,         // address or length beyond the device
  kMisaligned,         // not a multiple of the logical block size
  kInvalidField,       // zone op / append sector is not a zone start
  kUnalignedWrite,     // SWR write not at the write pointer
  kBoundaryError,      // crosses a zone boundary or the zone capacity
  kAppendTooLarge,     // append larger than max append size
  kInvalidZoneOp,      // zone op on a conventional zone, append to a non-SWR zone
  kZoneFull,           // write to a FULL zone
  kZoneReadOnly,       // write to a READONLY zone
  kZoneOffline,        // any I/O to an OFFLINE zone
  kOpenResource,       // max open zones exceeded
  kActiveResource,     // max active zones exceeded
  kInvalidTransition,  // zone op not allowed from the current condition
  kIoError,            // backend I/O failed
};

std::string_view to_string(ZoneStatus s);

}  // namespace zvmm::zoned

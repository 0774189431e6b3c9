// Builds a ZonedDevice from a spec (zoned/zoned_device_spec.h): an emulated
// zoned image file, a plain raw file, or a host zoned block device. Setup
// path: throws std::runtime_error / std::invalid_argument with a message
// naming the file and the problem.
#pragma once

#include <memory>

#include "zoned/zone_engine.h"
#include "zoned/zoned_device.h"
#include "zoned/zoned_device_spec.h"

namespace zvmm::zoned {

std::unique_ptr<ZonedDevice> open_zoned_device(const ZonedDeviceSpec& spec);

// Makes zone `zone` (an index) of an emulated image read-only or offline, as
// a device fault would (ZoneEngine::inject_condition; ZBC/ZNS say such a
// zone never changes back), persisted at the next flush. Used for
// --disk ...,readonly-zones=/offline-zones= and `zvmm-zones set-condition`.
// Throws std::invalid_argument when the zone does not exist or is
// conventional (only sequential zones have conditions), std::runtime_error
// with the engine's status when it refuses (a read-only image).
void inject_fault_zone(ZoneEngine& engine, uint32_t zone, ZoneCondition cond);

}  // namespace zvmm::zoned

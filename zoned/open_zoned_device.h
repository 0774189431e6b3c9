// Builds a ZonedDevice from a spec (zoned/zoned_device_spec.h): an emulated
// zoned image file, a plain raw file, or a host zoned block device. Setup
// path: throws std::runtime_error / std::invalid_argument with a message
// naming the file and the problem.
#pragma once

#include <memory>

#include "zoned/zoned_device.h"
#include "zoned/zoned_device_spec.h"

namespace zvmm::zoned {

std::unique_ptr<ZonedDevice> open_zoned_device(const ZonedDeviceSpec& spec);

}  // namespace zvmm::zoned

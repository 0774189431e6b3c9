// Builds a ZonedDevice from a spec: an emulated zoned image file or a host
// zoned block device. Setup path: throws std::runtime_error /
// std::invalid_argument with a message naming the file and the problem.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "zoned/zone_geometry.h"
#include "zoned/zoned_device.h"

namespace zvmm::zoned {

struct ZonedDeviceSpec {
  // Image file (emulated) or, with `host`, a zoned block device such as /dev/nullb0.
  std::string path;
  bool host = false;
  // Emulated only: geometry to create a missing image with. An existing image
  // keeps its zones; if a geometry is given and differs, opening fails.
  std::optional<ZoneGeometryConfig> geometry;
  // Emulated only: a plain (not zoned) disk over a raw file (model=none);
  // `plain_size` creates a missing file, and must match an existing one.
  bool plain = false;
  std::optional<uint64_t> plain_size;
  bool read_only = false;
  bool use_io_uring = true;  // emulated only; host devices use io_uring if available
};

// Text form (e.g. a --disk value), comma-separated key=value:
//   host=/dev/nullb0[,ro]
//   file=PATH[,size=4G,zone_size=64M,zone_capacity=48M,conventional=2,max_open=14,
//        max_active=14,max_append=1M,model=hm|ha,block_size=512|4096,
//        small_last_zone=0|1][,ro][,sync]
//   file=PATH,model=none[,size=4G][,ro][,sync]     (plain raw file, PlainImage)
// A file spec with `size` (and `zone_size`) carries a geometry. Throws
// std::invalid_argument naming the bad key or value.
ZonedDeviceSpec parse_zoned_device_spec(std::string_view text);

std::unique_ptr<ZonedDevice> open_zoned_device(const ZonedDeviceSpec& spec);

}  // namespace zvmm::zoned

// What to open as a zoned::ZonedDevice (open_zoned_device.h): an emulated
// zoned image, a plain raw file, or a host zoned block device. Built by the
// one parser of the disk keys, ZonedDeviceSpecParser, which --disk
// (vmm/disk_config.h) feeds key by key and parse_zoned_device_spec() feeds
// from a text; tests may also fill the struct directly (e.g. a 4096-byte
// block size or synchronous I/O, which have no key).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zoned/zone_geometry.h"

namespace zvmm::zoned {

// Zone size of a new zoned image when `size` is given without `zone-size`.
inline constexpr uint64_t kDefaultZoneSize = 64ull << 20;

struct ZonedDeviceSpec {
  // Image file (emulated) or, with `host`, a zoned block device such as /dev/nullb0.
  std::string path;
  bool host = false;
  // Emulated only: geometry to create a missing image with. An existing image
  // keeps its zones; if a geometry is given and differs, opening fails.
  std::optional<ZoneGeometryConfig> geometry;
  // Emulated only: a plain (not zoned) disk over a raw file (zoned=none);
  // `plain_size` creates a missing file, and must match an existing one.
  bool plain = false;
  std::optional<uint64_t> plain_size;
  bool read_only = false;
  bool use_io_uring = true;  // emulated only; host devices use io_uring if available
  // Emulated zoned images only: zones (by index, sequential zones) that
  // open_zoned_device() turns READ ONLY or OFFLINE as a device fault would
  // (ZoneEngine::inject_condition: persisted in the image, so they stay so on
  // later boots). The same faults as the control socket's zone-set-condition.
  std::vector<uint32_t> readonly_zones, offline_zones;
};

// The disk keys (docs/usage.md, Disks):
//   file=PATH | host=/dev/DEV
//   size=S  zoned=hm|ha|none  zone-size=S  zone-capacity=S  conventional-zones=N
//   max-open=N  max-active=N  max-append=S     (sizes: base/size.h)
//   readonly[=on|off]
//   readonly-zones=Z[+Z...]  offline-zones=Z[+Z...]   (zone indexes, zoned images)
// take() each key, then build(), which checks the combination and the geometry
// (ZoneGeometry::from_config: every geometry a Linux guest would reject is
// refused here, before anything is created). Errors are std::invalid_argument
// with a one-line message naming the key and the rule, in the keys' terms.
class ZonedDeviceSpecParser {
 public:
  // False if `key` is not a disk key (the caller's own, e.g. a front-end
  // option, or unknown). `value` is nullopt for a bare `key` without '='.
  // Throws for a bad value, an empty key or a key given twice.
  bool take(std::string_view key, std::optional<std::string_view> value);
  ZonedDeviceSpec build() const;

 private:
  std::string path_;
  bool target_ = false, host_ = false, read_only_ = false;
  ZonedModel model_ = ZonedModel::kHostManaged;
  bool zoned_given_ = false, size_given_ = false, zone_size_given_ = false, other_geometry_ = false;
  ZoneGeometryConfig geometry_;
  std::vector<uint32_t> readonly_zones_, offline_zones_;
  unsigned taken_ = 0;  // bit per key, to refuse repeats
};

// The same keys as one text, "file=IMG,size=1G,zone-size=16M" or
// "host=/dev/nullb0,readonly" (tools, benchmarks, tests). Throws
// std::invalid_argument, also for an unknown key.
ZonedDeviceSpec parse_zoned_device_spec(std::string_view text);

}  // namespace zvmm::zoned

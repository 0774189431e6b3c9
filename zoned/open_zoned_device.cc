#include "zoned/open_zoned_device.h"

#include <sys/stat.h>

#include <optional>
#include <stdexcept>
#include <string>

#include "zoned/host_zoned_device.h"
#include "zoned/plain_image.h"
#include "zoned/zoned_image.h"

namespace zvmm::zoned {
namespace {

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::unique_ptr<ZonedDevice> open_plain(const ZonedDeviceSpec& spec) {
  auto image = PlainImage::open(spec.path, spec.plain_size,
                                {.read_only = spec.read_only, .use_io_uring = spec.use_io_uring},
                                EngineOptions{.read_only = spec.read_only, .description = "emulated " + spec.path});
  return PlainImage::into_device(std::move(image));
}

std::unique_ptr<ZonedDevice> open_emulated(const ZonedDeviceSpec& spec) {
  std::optional<ZoneGeometry> geometry;
  if (spec.geometry) {
    try {
      geometry = ZoneGeometry::from_config(*spec.geometry);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(spec.path + ": " + e.what());
    }
  }
  if (!exists(spec.path)) {
    if (!geometry) {
      throw std::runtime_error(spec.path + " does not exist and no geometry (size=) was given to create it");
    }
    if (spec.read_only) throw std::runtime_error(spec.path + " does not exist (read-only device)");
    ZonedImage::create(spec.path, *geometry);
  }
  auto image = ZonedImage::open(spec.path, geometry, {.use_io_uring = spec.use_io_uring},
                                EngineOptions{.read_only = spec.read_only, .description = "emulated " + spec.path});
  return ZonedImage::into_device(std::move(image));
}

}  // namespace

std::unique_ptr<ZonedDevice> open_zoned_device(const ZonedDeviceSpec& spec) {
  if (spec.path.empty()) throw std::invalid_argument("zoned device spec: empty path");
  if (spec.host) {
    if (spec.geometry) {
      throw std::invalid_argument(spec.path + ": host devices take their geometry from the device");
    }
    return HostZonedDevice::open(spec.path, spec.read_only);
  }
  if (spec.plain) return open_plain(spec);
  return open_emulated(spec);
}

}  // namespace zvmm::zoned

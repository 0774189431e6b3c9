#include "zoned/open_zoned_device.h"

#include <sys/stat.h>

#include <optional>
#include <stdexcept>
#include <string>

#include "zoned/host_zoned_device.h"
#include "zoned/plain_image.h"
#include "zoned/zone_engine.h"
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

// Boot-time faults (readonly-zones=, offline-zones=): each zone must be a
// sequential zone of the image.
void inject_fault_zones(ZoneEngine& engine, const std::vector<uint32_t>& zones, ZoneCondition cond,
                        const char* key) {
  for (uint32_t z : zones) {
    try {
      inject_fault_zone(engine, z, cond);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string(key) + "=" + std::to_string(z) + ": " + e.what());
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(std::string(key) + "=" + std::to_string(z) + ": " + e.what());
    }
  }
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
  std::unique_ptr<ZoneEngine> engine = ZonedImage::into_device(std::move(image));
  inject_fault_zones(*engine, spec.readonly_zones, ZoneCondition::kReadOnly, "readonly-zones");
  inject_fault_zones(*engine, spec.offline_zones, ZoneCondition::kOffline, "offline-zones");
  return engine;
}

}  // namespace

void inject_fault_zone(ZoneEngine& engine, uint32_t zone, ZoneCondition cond) {
  const ZoneGeometry& g = engine.geometry();
  if (zone >= g.nr_zones()) {
    throw std::invalid_argument("zone " + std::to_string(zone) + " does not exist (the image has " +
                                std::to_string(g.nr_zones()) + " zones)");
  }
  if (!g.is_sequential(zone)) {
    throw std::invalid_argument("zone " + std::to_string(zone) +
                                " is conventional (only sequential zones have conditions)");
  }
  if (ZoneStatus st = engine.inject_condition(g.zone_start(zone), cond); st != ZoneStatus::kOk) {
    throw std::runtime_error(std::string(to_string(st)));
  }
}

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

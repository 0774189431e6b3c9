#include "zoned/open_zoned_device.h"

#include <sys/stat.h>

#include <stdexcept>
#include <string>

#include "zoned/host_zoned_device.h"
#include "zoned/plain_image.h"
#include "zoned/zoned_image.h"

namespace zvmm::zoned {
namespace {

[[noreturn]] void bad(const std::string& message) {
  throw std::invalid_argument("zoned device spec: " + message);
}

uint32_t parse_count(const std::string& key, const std::string& value) {
  size_t pos = 0;
  unsigned long n = 0;
  try {
    n = std::stoul(value, &pos, 10);
  } catch (const std::exception&) {
    pos = 0;
  }
  if (pos == 0 || pos != value.size() || value[0] == '-' || n > 0xffffffffu) {
    bad(key + "=" + value + " is not a number");
  }
  return static_cast<uint32_t>(n);
}

bool parse_bool(const std::string& key, const std::string& value) {
  if (value == "1" || value == "on" || value == "yes" || value == "true") return true;
  if (value == "0" || value == "off" || value == "no" || value == "false") return false;
  bad(key + "=" + value + " is not 0 or 1");
}

void set_geometry_key(ZoneGeometryConfig& g, const std::string& key, const std::string& value) {
  try {
    if (key == "size") g.device_bytes = parse_size(value);
    else if (key == "zone_size") g.zone_size_bytes = parse_size(value);
    else if (key == "zone_capacity") g.zone_capacity_bytes = parse_size(value);
    else if (key == "max_append") g.max_append_bytes = parse_size(value);
    else if (key == "conventional") g.nr_conventional = parse_count(key, value);
    else if (key == "max_open") g.max_open = parse_count(key, value);
    else if (key == "max_active") g.max_active = parse_count(key, value);
    else if (key == "block_size") g.logical_block_size = parse_count(key, value);
    else if (key == "small_last_zone") g.allow_smaller_last_zone = parse_bool(key, value);
    else if (key == "model") {
      if (value == "hm") g.model = ZonedModel::kHostManaged;
      else if (value == "ha") g.model = ZonedModel::kHostAware;
      else if (value == "none") g.model = ZonedModel::kNone;
      else bad("model=" + value + " (use hm, ha or none)");
    } else {
      bad("unknown key '" + key + "'");
    }
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    if (what.rfind("zoned device spec", 0) == 0) throw;
    bad(key + ": " + what);
  }
}

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
      throw std::runtime_error(spec.path + " does not exist and no geometry (size, zone_size) "
                               "was given to create it");
    }
    if (spec.read_only) throw std::runtime_error(spec.path + " does not exist (read-only device)");
    ZonedImage::create(spec.path, *geometry);
  }
  auto image = ZonedImage::open(spec.path, geometry, {.use_io_uring = spec.use_io_uring},
                                EngineOptions{.read_only = spec.read_only, .description = "emulated " + spec.path});
  return ZonedImage::into_device(std::move(image));
}

}  // namespace

ZonedDeviceSpec parse_zoned_device_spec(std::string_view text) {
  ZonedDeviceSpec spec;
  ZoneGeometryConfig geometry;
  bool has_geometry = false, has_target = false, has_zone_keys = false, has_size = false,
       has_zone_size = false;
  std::string rest(text);
  size_t begin = 0;
  while (begin <= rest.size()) {
    size_t end = rest.find(',', begin);
    if (end == std::string::npos) end = rest.size();
    const std::string item = rest.substr(begin, end - begin);
    begin = end + 1;
    if (item.empty()) bad("empty item in '" + rest + "'");
    const size_t eq = item.find('=');
    const std::string key = item.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : item.substr(eq + 1);
    if (key == "ro" && eq == std::string::npos) {
      spec.read_only = true;
    } else if (key == "sync" && eq == std::string::npos) {
      spec.use_io_uring = false;
    } else if (key == "host" || key == "file") {
      if (has_target) bad("more than one of host= and file=");
      if (value.empty()) bad(key + "= needs a path");
      has_target = true;
      spec.host = key == "host";
      spec.path = value;
    } else if (eq == std::string::npos) {
      bad("'" + item + "' is not key=value");
    } else {
      set_geometry_key(geometry, key, value);
      has_geometry = true;
      has_size = has_size || key == "size";
      has_zone_size = has_zone_size || key == "zone_size";
      if (key != "size" && key != "model") has_zone_keys = true;
    }
  }
  if (!has_target) bad("needs host=DEVICE or file=PATH");
  if (spec.host && has_geometry) bad("host devices take their geometry from the device");
  if (has_geometry && geometry.model == ZonedModel::kNone) {
    if (has_zone_keys) bad("model=none (a plain disk) takes only size");
    spec.plain = true;
    if (has_size) {
      // The size PlainImage will create or expect: refuse 0 or partial blocks now.
      try {
        ZoneGeometry::from_config({.device_bytes = geometry.device_bytes,
                                   .zone_size_bytes = PlainImage::kChunkBytes,
                                   .model = ZonedModel::kNone});
      } catch (const std::invalid_argument& e) {
        bad(e.what());
      }
      spec.plain_size = geometry.device_bytes;
    }
  } else if (has_geometry) {
    // Presence, not value: size=0 or zone_size=0 is from_config's to explain.
    if (!has_size || !has_zone_size) bad("a geometry needs size and zone_size");
    spec.geometry = geometry;
  }
  return spec;
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

#include "vmm/disk_config.h"

#include <array>
#include <charconv>
#include <utility>
#include <vector>

#include "vmm/cli.h"
#include "zoned/zone_geometry.h"

namespace zvmm {
namespace {

// CLI key -> zoned factory key (open_zoned_device.h).
constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kGeometryKeys = {{
    {"size", "size"},
    {"zone-size", "zone_size"},
    {"zone-capacity", "zone_capacity"},
    {"conventional-zones", "conventional"},
    {"max-open", "max_open"},
    {"max-active", "max_active"},
    {"max-append", "max_append"},
}};

std::string_view factory_key(std::string_view cli_key) {
  for (const auto& [cli, factory] : kGeometryKeys) {
    if (cli == cli_key) return factory;
  }
  return {};
}

// Factory messages name factory keys; show the CLI's instead.
std::string with_cli_keys(std::string message) {
  constexpr std::string_view kPrefix = "zoned device spec: ";
  if (message.rfind(kPrefix, 0) == 0) message.erase(0, kPrefix.size());
  for (const auto& [cli, factory] : kGeometryKeys) {
    if (cli == factory) continue;
    for (const char sep : {'=', ':'}) {
      const std::string from = std::string(factory) + sep, to = std::string(cli) + sep;
      for (size_t pos = 0; (pos = message.find(from, pos)) != std::string::npos; pos += to.size()) {
        message.replace(pos, from.size(), to);
      }
    }
  }
  return message;
}

uint16_t parse_queues(std::string_view value) {
  unsigned n = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || n < 1 || n > kMaxDiskQueues) {
    throw UsageError("queues=" + std::string(value) + " is not a number from 1 to " +
                     std::to_string(kMaxDiskQueues));
  }
  return static_cast<uint16_t>(n);
}

bool parse_on_off(std::string_view key, std::string_view value) {
  if (value == "on" || value.empty()) return true;
  if (value == "off") return false;
  throw UsageError(std::string(key) + "=" + std::string(value) + " is not on or off");
}

DiskConfig parse(std::string_view text) {
  std::vector<std::string_view> items;
  for (size_t begin = 0;;) {
    const size_t comma = text.find(',', begin);
    items.push_back(text.substr(begin, comma - begin));
    if (comma == std::string_view::npos) break;
    begin = comma + 1;
  }
  if (items.front() != "virtio-blk") {
    throw UsageError("unknown device type '" + std::string(items.front()) + "' (only virtio-blk)");
  }
  DiskConfig disk{.text = std::string(text)};
  std::string factory_spec;  // for parse_zoned_device_spec
  auto add = [&factory_spec](std::string_view item) {
    if (!factory_spec.empty()) factory_spec += ',';
    factory_spec += item;
  };
  std::string zoned = "hm";
  bool target = false, host = false, size = false, zone_size = false, other_geometry = false, read_only = false;
  for (size_t i = 1; i < items.size(); ++i) {
    const std::string_view item = items[i];
    const size_t eq = item.find('=');
    const std::string_view key = item.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? "" : item.substr(eq + 1);
    if (key.empty()) throw UsageError("empty item");
    if (key == "file" || key == "host") {
      host = host || key == "host";
      target = true;
      add(item);
    } else if (key == "queues") {
      disk.queues = parse_queues(value);
    } else if (key == "readonly") {
      read_only = parse_on_off(key, value);
    } else if (key == "kick-yield") {
      if (value == "auto") disk.kick_yield = virtio::KickYield::kAuto;
      else if (value == "on") disk.kick_yield = virtio::KickYield::kOn;
      else if (value == "off") disk.kick_yield = virtio::KickYield::kOff;
      else throw UsageError("kick-yield=" + std::string(value) + " is not auto, on or off");
    } else if (key == "zoned") {
      if (value != "hm" && value != "ha" && value != "none") {
        throw UsageError("zoned=" + std::string(value) + " is not hm, ha or none");
      }
      zoned = value;
      other_geometry = other_geometry || zoned != "none";
    } else if (const std::string_view fk = factory_key(key); !fk.empty()) {
      if (eq == std::string_view::npos || value.empty()) throw UsageError(std::string(key) + " needs a value");
      add(std::string(fk) + "=" + std::string(value));
      if (key == "size") size = true;
      else if (key == "zone-size") zone_size = true;
      else other_geometry = true;
    } else {
      throw UsageError("unknown key '" + std::string(key) + "'");
    }
  }
  if (!target) throw UsageError("needs file=PATH or host=/dev/DEVICE");
  if (host && (size || zone_size || other_geometry)) {
    throw UsageError("host devices take their geometry from the device (no size, zoned or zone options)");
  }
  if (!host && zoned == "none") {
    if (zone_size || other_geometry) throw UsageError("zoned=none (a plain disk) takes only size");
    add("model=none");
  } else if (!host && (zone_size || other_geometry) && !size) {
    throw UsageError("geometry options need size= (an existing image keeps its geometry: "
                     "give all of it or none)");
  } else if (!host && size) {
    add("model=" + zoned);
    if (!zone_size) add("zone_size=" + std::to_string(kDefaultDiskZoneSize));
  }
  if (read_only) add("ro");
  try {
    disk.device = zoned::parse_zoned_device_spec(factory_spec);
    if (disk.device.geometry) zoned::ZoneGeometry::from_config(*disk.device.geometry);
  } catch (const std::invalid_argument& e) {
    throw UsageError(with_cli_keys(e.what()));
  }
  return disk;
}

}  // namespace

DiskConfig parse_disk_option(std::string_view text) {
  try {
    return parse(text);
  } catch (const UsageError& e) {
    throw UsageError("--disk " + std::string(text) + ": " + e.what());
  }
}

}  // namespace zvmm

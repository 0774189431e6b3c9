#include "zoned/zoned_device_spec.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <stdexcept>
#include <string>

#include "base/key_values.h"
#include "base/size.h"
#include "zoned/plain_image.h"

namespace zvmm::zoned {
namespace {

[[noreturn]] void bad(const std::string& message) { throw std::invalid_argument(message); }

constexpr std::array<std::string_view, 13> kKeys = {
    "file",     "host",       "readonly",   "zoned",    "size",      "zone-size",
    "zone-capacity", "conventional-zones", "max-open", "max-active", "max-append",
    "readonly-zones", "offline-zones",
};

int key_index(std::string_view key) {
  for (size_t i = 0; i < kKeys.size(); ++i) {
    if (kKeys[i] == key) return static_cast<int>(i);
  }
  return -1;
}

std::string item(std::string_view key, std::optional<std::string_view> value) {
  return std::string(key) + (value ? "=" + std::string(*value) : "");
}

uint32_t parse_count(std::string_view key, std::string_view value) {
  uint32_t n = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || value.empty() || end != value.data() + value.size()) {
    bad(item(key, value) + " is not a number from 0 to 4294967295");
  }
  return n;
}

// "3+7+9": zone indexes joined by '+' (',' separates the disk's keys).
std::vector<uint32_t> parse_zone_list(std::string_view key, std::string_view value) {
  std::vector<uint32_t> zones;
  for (size_t at = 0; at <= value.size();) {
    const size_t plus = std::min(value.find('+', at), value.size());
    const std::string_view one = value.substr(at, plus - at);
    uint32_t z = 0;
    const auto [end, ec] = std::from_chars(one.data(), one.data() + one.size(), z);
    if (one.empty() || ec != std::errc() || end != one.data() + one.size()) {
      bad(item(key, value) + " is not a list of zone indexes joined by '+' (e.g. 3+7)");
    }
    zones.push_back(z);
    at = plus + 1;
  }
  return zones;
}

bool parse_on_off(std::string_view key, std::optional<std::string_view> value) {
  if (!value || *value == "on") return true;
  if (*value == "off") return false;
  bad(item(key, value) + " is not on or off");
}

}  // namespace

bool ZonedDeviceSpecParser::take(std::string_view key, std::optional<std::string_view> value) {
  if (key.empty()) bad("empty item");
  const int index = key_index(key);
  if (index < 0) return false;
  if (taken_ & (1u << index)) bad(std::string(key) + " is given twice");
  taken_ |= 1u << index;
  if (key == "file" || key == "host") {
    if (target_) bad("more than one of file= and host=");
    if (!value || value->empty()) bad(std::string(key) + "= needs a path");
    target_ = true;
    host_ = key == "host";
    path_ = *value;
    return true;
  }
  if (key == "readonly") {
    read_only_ = parse_on_off(key, value);
    return true;
  }
  if (!value || value->empty()) bad(std::string(key) + " needs a value");
  if (key == "readonly-zones" || key == "offline-zones") {
    (key == "readonly-zones" ? readonly_zones_ : offline_zones_) = parse_zone_list(key, *value);
    return true;
  }
  if (key == "zoned") {
    if (*value == "hm") model_ = ZonedModel::kHostManaged;
    else if (*value == "ha") model_ = ZonedModel::kHostAware;
    else if (*value == "none") model_ = ZonedModel::kNone;
    else bad(item(key, value) + " is not hm, ha or none");
    zoned_given_ = true;
  } else if (key == "size") {
    geometry_.device_bytes = parse_size(key, *value);
    size_given_ = true;
  } else if (key == "zone-size") {
    geometry_.zone_size_bytes = parse_size(key, *value);
    zone_size_given_ = true;
  } else {
    if (key == "zone-capacity") geometry_.zone_capacity_bytes = parse_size(key, *value);
    else if (key == "max-append") geometry_.max_append_bytes = parse_size(key, *value);
    else if (key == "conventional-zones") geometry_.nr_conventional = parse_count(key, *value);
    else if (key == "max-open") geometry_.max_open = parse_count(key, *value);
    else if (key == "max-active") geometry_.max_active = parse_count(key, *value);
    other_geometry_ = true;
  }
  return true;
}

ZonedDeviceSpec ZonedDeviceSpecParser::build() const {
  if (!target_) bad("needs file=PATH or host=/dev/DEVICE");
  ZonedDeviceSpec spec;
  spec.path = path_;
  spec.host = host_;
  spec.read_only = read_only_;
  const bool zone_keys = zone_size_given_ || other_geometry_;
  if (!readonly_zones_.empty() || !offline_zones_.empty()) {
    if (host_ || model_ == ZonedModel::kNone) {
      bad("readonly-zones= and offline-zones= need an emulated zoned image (file=, zoned=hm or ha): a host device "
          "keeps its own zone conditions, a plain disk has none");
    }
    if (read_only_) bad("readonly-zones= and offline-zones= change the image: not with readonly");
    for (uint32_t z : readonly_zones_) {
      if (std::find(offline_zones_.begin(), offline_zones_.end(), z) != offline_zones_.end()) {
        bad("zone " + std::to_string(z) + " is in both readonly-zones= and offline-zones=");
      }
    }
    spec.readonly_zones = readonly_zones_;
    spec.offline_zones = offline_zones_;
  }
  if (host_) {
    if (size_given_ || zoned_given_ || zone_keys) {
      bad("host devices take their geometry from the device (no size, zoned or zone options)");
    }
    return spec;
  }
  if (model_ == ZonedModel::kNone) {
    if (zone_keys) bad("zoned=none (a plain disk) takes only size");
    spec.plain = true;
    if (size_given_) {
      // The geometry PlainImage::open builds: refuse 0 or partial blocks
      // before it creates the file.
      ZoneGeometry::from_config({.device_bytes = geometry_.device_bytes,
                                 .zone_size_bytes = PlainImage::kChunkBytes,
                                 .model = ZonedModel::kNone});
      spec.plain_size = geometry_.device_bytes;
    }
    return spec;
  }
  if (!size_given_) {
    if (zone_keys || zoned_given_) {
      bad("geometry options need size= (an existing image keeps its geometry: give all of it or none)");
    }
    return spec;  // an existing image, with its own geometry
  }
  ZoneGeometryConfig geometry = geometry_;
  geometry.model = model_;
  if (!zone_size_given_) geometry.zone_size_bytes = kDefaultZoneSize;
  ZoneGeometry::from_config(geometry);  // throws naming the rule
  spec.geometry = geometry;
  return spec;
}

ZonedDeviceSpec parse_zoned_device_spec(std::string_view text) {
  ZonedDeviceSpecParser parser;
  for (const KeyValue& kv : split_key_values(text)) {
    if (!parser.take(kv.key, kv.value)) bad("unknown key '" + std::string(kv.key) + "'");
  }
  return parser.build();
}

}  // namespace zvmm::zoned

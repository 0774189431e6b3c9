#include "vmm/disk_config.h"

#include <array>
#include <charconv>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "base/key_values.h"
#include "vmm/cli.h"

namespace zvmm {
namespace {

constexpr std::array<std::pair<std::string_view, DiskFrontend>, 1> kFrontends = {{
    {"virtio-blk", DiskFrontend::kVirtioBlk},
}};

std::string frontend_names() {
  std::string names;
  for (size_t i = 0; i < kFrontends.size(); ++i) {
    if (i > 0) names += i + 1 == kFrontends.size() ? " or " : ", ";
    names += kFrontends[i].first;
  }
  return kFrontends.size() == 1 ? "only " + names : names;
}

DiskFrontend parse_frontend(std::string_view name) {
  for (const auto& [text, frontend] : kFrontends) {
    if (text == name) return frontend;
  }
  throw UsageError("unknown device type '" + std::string(name) + "' (" + frontend_names() + ")");
}

std::string item(std::string_view key, std::optional<std::string_view> value) {
  return std::string(key) + (value ? "=" + std::string(*value) : "");
}

// virtio-blk's own keys; false for any other key.
bool take_virtio_key(VirtioBlkDiskOptions& o, std::string_view key, std::optional<std::string_view> value) {
  if (key == "queues") {
    unsigned n = 0;
    const std::string_view v = value.value_or("");
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (!value || ec != std::errc() || end != v.data() + v.size() || n < 1 || n > kMaxDiskQueues) {
      throw UsageError(item(key, value) + " is not a number from 1 to " + std::to_string(kMaxDiskQueues));
    }
    o.queues = static_cast<uint16_t>(n);
    return true;
  }
  if (key == "kick-yield") {
    if (value == "auto") o.kick_yield = devices::KickYield::kAuto;
    else if (value == "on") o.kick_yield = devices::KickYield::kOn;
    else if (value == "off") o.kick_yield = devices::KickYield::kOff;
    else throw UsageError(item(key, value) + " is not auto, on or off");
    return true;
  }
  return false;
}

// The front end's keys: the one place that knows which front end takes which.
bool take_frontend_key(DiskSpec& disk, std::string_view key, std::optional<std::string_view> value) {
  switch (disk.frontend) {
    case DiskFrontend::kVirtioBlk:
      return take_virtio_key(disk.virtio, key, value);
  }
  return false;
}

DiskSpec parse(std::string_view text) {
  const std::vector<KeyValue> items = split_key_values(text);
  DiskSpec disk;
  disk.text = text;
  disk.frontend = parse_frontend(item(items[0].key, items[0].value));
  zoned::ZonedDeviceSpecParser backing;
  std::vector<std::string_view> frontend_keys;
  try {
    for (size_t i = 1; i < items.size(); ++i) {
      const auto& [key, value] = items[i];
      if (!key.empty() && take_frontend_key(disk, key, value)) {
        for (std::string_view seen : frontend_keys) {
          if (seen == key) throw UsageError(std::string(key) + " is given twice");
        }
        frontend_keys.push_back(key);
      } else if (!backing.take(key, value)) {
        throw UsageError("unknown key '" + std::string(key) + "'");
      }
    }
    disk.backing = backing.build();
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  return disk;
}

}  // namespace

std::string_view to_string(DiskFrontend frontend) {
  for (const auto& [text, f] : kFrontends) {
    if (f == frontend) return text;
  }
  return "?";
}

DiskSpec parse_disk_option(std::string_view text) {
  try {
    return parse(text);
  } catch (const UsageError& e) {
    throw UsageError("--disk " + std::string(text) + ": " + e.what());
  }
}

}  // namespace zvmm

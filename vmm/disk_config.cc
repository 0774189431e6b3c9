#include "vmm/disk_config.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <utility>
#include <vector>

#include "base/key_values.h"
#include "vmm/cli.h"

namespace zvmm {
namespace {

constexpr std::array<std::pair<std::string_view, DiskFrontend>, 2> kFrontends = {{
    {"virtio-blk", DiskFrontend::kVirtioBlk},
    {"nvme", DiskFrontend::kNvme},
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

// A decimal number from `min` to `max`.
unsigned parse_number(std::string_view key, std::optional<std::string_view> value, unsigned min,
                      unsigned max) {
  unsigned n = 0;
  const std::string_view v = value.value_or("");
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (!value || v.empty() || ec != std::errc() || end != v.data() + v.size() || n < min || n > max) {
    throw UsageError(item(key, value) + " is not a number from " + std::to_string(min) + " to " +
                     std::to_string(max));
  }
  return n;
}

devices::KickYield parse_kick_yield(std::string_view key, std::optional<std::string_view> value) {
  if (value == "auto") return devices::KickYield::kAuto;
  if (value == "on") return devices::KickYield::kOn;
  if (value == "off") return devices::KickYield::kOff;
  throw UsageError(item(key, value) + " is not auto, on or off");
}

// virtio-blk's own keys; false for any other key.
bool take_virtio_key(VirtioBlkDiskOptions& o, std::string_view key, std::optional<std::string_view> value) {
  if (key == "queues") {
    o.queues = static_cast<uint16_t>(parse_number(key, value, 1, kMaxDiskQueues));
    return true;
  }
  if (key == "kick-yield") {
    o.kick_yield = parse_kick_yield(key, value);
    return true;
  }
  return false;
}

// NVMe's own keys; false for any other key.
bool take_nvme_key(NvmeDiskOptions& o, std::string_view key, std::optional<std::string_view> value) {
  if (key == "nsid") {
    o.nsid = parse_number(key, value, 1, kMaxNvmeNamespaces);
  } else if (key == "queues") {
    o.queues = static_cast<uint16_t>(parse_number(key, value, 1, kMaxDiskQueues));
  } else if (key == "mdts") {
    o.mdts = static_cast<uint8_t>(parse_number(key, value, 1, kMaxNvmeMdts));
  } else if (key == "kick-yield") {
    o.kick_yield = parse_kick_yield(key, value);
  } else if (key == "serial") {
    // Identify Controller SN: ASCII, space padded (NVMe Base 2.0, 5.17.2.1).
    const std::string_view v = value.value_or("");
    if (v.empty() || v.size() > kMaxNvmeSerial ||
        !std::all_of(v.begin(), v.end(), [](char c) { return c > 0x20 && c < 0x7f; })) {
      throw UsageError(item(key, value) + " is not 1 to " + std::to_string(kMaxNvmeSerial) +
                       " printable ASCII characters without spaces");
    }
    o.serial = std::string(v);
  } else if (key == "ctrl") {
    // Part of the controller's SUBNQN (nqn.2026-11.dev.zvmm:ctrl-ID).
    const std::string_view v = value.value_or("");
    if (v.empty() || v.size() > kMaxNvmeCtrlId ||
        !std::all_of(v.begin(), v.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
        })) {
      throw UsageError(item(key, value) + " is not 1 to " + std::to_string(kMaxNvmeCtrlId) +
                       " letters, digits, '-', '_' or '.'");
    }
    o.ctrl = std::string(v);
  } else {
    return false;
  }
  return true;
}

// The front end's keys: the one place that knows which front end takes which.
bool take_frontend_key(DiskSpec& disk, std::string_view key, std::optional<std::string_view> value) {
  switch (disk.frontend) {
    case DiskFrontend::kVirtioBlk:
      return take_virtio_key(disk.virtio, key, value);
    case DiskFrontend::kNvme:
      return take_nvme_key(disk.nvme, key, value);
  }
  return false;
}

// A zoned NVMe namespace is a Zoned Namespace (NVMe ZNS, issue 12):
// host-managed only (zoned=ha is refused while parsing), and ZNS has neither
// conventional zones nor a smaller last zone (NSZE = zones * ZSZE). The
// geometry given for a new image is checked here; an existing image and a
// host device are checked when the controller is configured
// (nvme::ControllerConfig::validate(): zns_incompatibility(), the same rules).
void check_nvme_backing(const zoned::ZonedDeviceSpec& backing) {
  if (backing.plain || backing.host || !backing.geometry) return;
  zoned::ZoneGeometryConfig zns = *backing.geometry;
  if (zns.nr_conventional != 0) {
    throw UsageError("conventional-zones=" + std::to_string(zns.nr_conventional) +
                     ": a Zoned Namespace has no conventional zones (use virtio-blk for those)");
  }
  zns.allow_smaller_last_zone = false;
  (void)zoned::ZoneGeometry::from_config(zns);  // "device size N is not a multiple of the zone size M"
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
      if (disk.frontend == DiskFrontend::kNvme && key == "zoned" && value == "ha") {
        // NVMe Zoned Namespaces (NVMe ZNS Command Set 1.1) only have
        // sequential-write-required zones: nothing like ZBC's host-aware model.
        throw UsageError("zoned=ha: NVMe has no host-aware zone model (a Zoned Namespace is host-managed)");
      }
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
    if (disk.frontend == DiskFrontend::kNvme) check_nvme_backing(disk.backing);
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

namespace {

[[noreturn]] void disk_error(const DiskSpec& disk, const std::string& why) {
  throw UsageError("--disk " + disk.text + ": " + why);
}

std::string to_text(devices::KickYield k) {
  switch (k) {
    case devices::KickYield::kAuto: return "auto";
    case devices::KickYield::kOn: return "on";
    case devices::KickYield::kOff: return "off";
  }
  return "?";
}
std::string to_text(const std::string& s) { return s; }
std::string to_text(unsigned n) { return std::to_string(n); }

// A controller key given on `disk`: taken if the controller has no value yet,
// else it must be the same (the first disk that gave it is named otherwise).
template <typename T>
void merge_key(std::optional<T>& have, std::optional<size_t>& from, const std::optional<T>& given,
               size_t disk, std::span<const DiskSpec> disks, std::string_view key) {
  if (!given) return;
  if (!have) {
    have = given;
    from = disk;
  } else if (*have != *given) {
    disk_error(disks[disk], std::string(key) + "=" + to_text(*given) + " but --disk " +
                                disks[*from].text + " gives " + std::string(key) + "=" +
                                to_text(*have) + " for ctrl=" + *disks[disk].nvme.ctrl);
  }
}

}  // namespace

std::vector<NvmeControllerPlan> plan_nvme_controllers(std::span<const DiskSpec> disks) {
  struct Merged {
    NvmeControllerPlan plan;
    std::optional<std::string> serial;
    std::optional<unsigned> queues, mdts;
    std::optional<devices::KickYield> kick_yield;
    std::optional<size_t> serial_from, queues_from, mdts_from, kick_yield_from;
  };
  std::vector<Merged> controllers;
  std::map<std::string, size_t> by_id;  // ctrl= -> index in controllers
  for (size_t i = 0; i < disks.size(); ++i) {
    const DiskSpec& disk = disks[i];
    if (disk.frontend != DiskFrontend::kNvme) continue;
    const NvmeDiskOptions& o = disk.nvme;
    size_t c = controllers.size();
    if (o.ctrl) {
      const auto [it, added] = by_id.emplace(*o.ctrl, c);
      c = it->second;
    }
    if (c == controllers.size()) {
      controllers.emplace_back();
      controllers.back().plan.ctrl = o.ctrl;
    }
    Merged& m = controllers[c];
    merge_key(m.serial, m.serial_from, o.serial, i, disks, "serial");
    const auto queues = o.queues ? std::optional<unsigned>(*o.queues) : std::nullopt;
    merge_key(m.queues, m.queues_from, queues, i, disks, "queues");
    const auto mdts = o.mdts ? std::optional<unsigned>(*o.mdts) : std::nullopt;
    merge_key(m.mdts, m.mdts_from, mdts, i, disks, "mdts");
    merge_key(m.kick_yield, m.kick_yield_from, o.kick_yield, i, disks, "kick-yield");
    for (const auto& ns : m.plan.namespaces) {
      if (o.nsid && disks[ns.disk].nvme.nsid == o.nsid) {
        disk_error(disk, "nsid=" + std::to_string(*o.nsid) + " is already --disk " +
                             disks[ns.disk].text + " on ctrl=" + *o.ctrl);
      }
    }
    if (m.plan.namespaces.size() == kMaxNvmeNamespaces) {
      disk_error(disk, "ctrl=" + *o.ctrl + " has more than " + std::to_string(kMaxNvmeNamespaces) +
                           " namespaces");
    }
    m.plan.namespaces.push_back({.disk = i, .nsid = o.nsid.value_or(0)});
  }

  std::map<std::string, size_t> serials;  // -> a disk of the controller that gave it
  std::vector<NvmeControllerPlan> out;
  for (Merged& m : controllers) {
    NvmeControllerPlan& plan = m.plan;
    if (m.serial) {
      const auto [it, added] = serials.emplace(*m.serial, *m.serial_from);
      if (!added) {
        disk_error(disks[*m.serial_from], "serial=" + *m.serial + " is already the serial of --disk " +
                                              disks[it->second].text + "'s controller");
      }
    }
    plan.serial = m.serial;
    plan.queues = static_cast<uint16_t>(m.queues.value_or(0));
    plan.mdts = static_cast<uint8_t>(m.mdts.value_or(kDefaultNvmeMdts));
    plan.kick_yield = m.kick_yield.value_or(devices::KickYield::kAuto);
    // Namespaces without nsid= take the lowest ids nobody named, in order.
    std::set<uint32_t> used;
    for (const auto& ns : plan.namespaces) {
      if (ns.nsid != 0) used.insert(ns.nsid);
    }
    uint32_t next = 1;
    for (auto& ns : plan.namespaces) {
      if (ns.nsid != 0) continue;
      while (used.contains(next)) ++next;
      if (next > kMaxNvmeNamespaces) {
        disk_error(disks[ns.disk], "no free nsid left on ctrl=" + plan.ctrl.value_or("?"));
      }
      ns.nsid = next;
      used.insert(next);
    }
    out.push_back(std::move(plan));
  }
  return out;
}

}  // namespace zvmm

#include "vmm/control/control_commands.h"

#include <array>
#include <optional>
#include <vector>

#include "vmm/exit_codes.h"
#include "zoned/instrumented_device.h"
#include "zoned/sync_zone_client.h"

namespace zvmm::control {

namespace {

using zoned::ZoneCondition;
using zoned::ZoneDescriptor;
using zoned::ZoneFilter;
using zoned::ZoneOp;
using zoned::ZoneStatus;

constexpr std::array<std::pair<ZoneStatus, const char*>, 15> kStatusNames{{
    {ZoneStatus::kOk, "ok"},
    {ZoneStatus::kOutOfRange, "out-of-range"},
    {ZoneStatus::kMisaligned, "misaligned"},
    {ZoneStatus::kInvalidField, "invalid-field"},
    {ZoneStatus::kUnalignedWrite, "unaligned-write"},
    {ZoneStatus::kBoundaryError, "boundary-error"},
    {ZoneStatus::kAppendTooLarge, "append-too-large"},
    {ZoneStatus::kInvalidZoneOp, "invalid-zone-op"},
    {ZoneStatus::kZoneFull, "zone-full"},
    {ZoneStatus::kZoneReadOnly, "zone-read-only"},
    {ZoneStatus::kZoneOffline, "zone-offline"},
    {ZoneStatus::kOpenResource, "open-resource"},
    {ZoneStatus::kActiveResource, "active-resource"},
    {ZoneStatus::kInvalidTransition, "invalid-transition"},
    {ZoneStatus::kIoError, "io-error"},
}};

constexpr std::array<std::pair<ZoneFilter, const char*>, 9> kFilterNames{{
    {ZoneFilter::kEmpty, "empty"},
    {ZoneFilter::kImplicitOpen, "implicit-open"},
    {ZoneFilter::kExplicitOpen, "explicit-open"},
    {ZoneFilter::kClosed, "closed"},
    {ZoneFilter::kFull, "full"},
    {ZoneFilter::kReadOnly, "read-only"},
    {ZoneFilter::kOffline, "offline"},
    {ZoneFilter::kNotWp, "not-wp"},
    {ZoneFilter::kNonSeq, "non-seq"},
}};

// --- Argument helpers: a wrong type or a missing key is a GenericError naming it.
const Json* optional_arg(const Json& args, const char* key) {
  const auto it = args.find(key);
  return it == args.end() || it->is_null() ? nullptr : &*it;
}

std::string string_arg(const Json& args, const char* key) {
  const Json* v = optional_arg(args, key);
  if (v == nullptr) throw CommandError(std::string("missing argument '") + key + "'");
  if (!v->is_string()) throw CommandError(std::string("argument '") + key + "' must be a string");
  return v->get<std::string>();
}

// Integers may come as numbers or as decimal strings (zvmm-ctl key=value).
std::optional<uint64_t> uint_arg(const Json& args, const char* key) {
  const Json* v = optional_arg(args, key);
  if (v == nullptr) return std::nullopt;
  if (v->is_number_unsigned()) return v->get<uint64_t>();
  if (v->is_number_integer() && v->get<int64_t>() >= 0) return v->get<uint64_t>();
  if (v->is_string()) {
    const std::string s = v->get<std::string>();
    size_t used = 0;
    try {
      const uint64_t n = std::stoull(s, &used, 0);
      if (used == s.size() && !s.empty() && s[0] != '-') return n;
    } catch (const std::exception&) {
    }
  }
  throw CommandError(std::string("argument '") + key + "' must be a non-negative integer");
}

std::optional<double> double_arg(const Json& args, const char* key) {
  const Json* v = optional_arg(args, key);
  if (v == nullptr) return std::nullopt;
  if (v->is_number()) return v->get<double>();
  if (v->is_string()) {
    try {
      size_t used = 0;
      const std::string s = v->get<std::string>();
      const double d = std::stod(s, &used);
      if (used == s.size()) return d;
    } catch (const std::exception&) {
    }
  }
  throw CommandError(std::string("argument '") + key + "' must be a number");
}

void refuse_unknown(const Json& args, std::initializer_list<const char*> known) {
  for (const auto& [key, value] : args.items()) {
    bool ok = false;
    for (const char* k : known) ok = ok || key == k;
    if (!ok) throw CommandError("unknown argument '" + key + "'");
  }
}

struct DiskRef {
  size_t index;
  Disks::View view;
};

DiskRef disk_arg(Disks& disks, const Json& args) {
  const std::string name = string_arg(args, "disk");
  const auto i = disks.find(name);
  if (!i) {
    std::string known;
    for (size_t d = 0; d < disks.size(); ++d) known += (known.empty() ? "" : ", ") + disks.disk(d).name;
    throw CommandError("no disk '" + name + "' (disks: " + (known.empty() ? "none" : known) + ")",
                       "DeviceNotFound");
  }
  return {*i, disks.disk(*i)};
}

// The zone a command names: zone=INDEX or sector=S (any sector in it).
uint32_t zone_arg(const zoned::ZonedDevice& dev, const Json& args) {
  const auto zone = uint_arg(args, "zone");
  const auto sector = uint_arg(args, "sector");
  if (zone && sector) throw CommandError("give either 'zone' or 'sector', not both");
  if (!zone && !sector) throw CommandError("missing argument 'zone' (a zone index) or 'sector'");
  const auto& g = dev.geometry();
  if (zone) {
    if (*zone >= g.nr_zones()) {
      throw CommandError("zone " + std::to_string(*zone) + " is beyond the disk's " + std::to_string(g.nr_zones()) + " zones");
    }
    return static_cast<uint32_t>(*zone);
  }
  if (*sector >= g.device_sectors()) {
    throw CommandError("sector " + std::to_string(*sector) + " is beyond the disk's " + std::to_string(g.device_sectors()) + " sectors");
  }
  return g.zone_index(*sector);
}

std::string model_name(zoned::ZonedModel m) {
  switch (m) {
    case zoned::ZonedModel::kHostManaged: return "host-managed";
    case zoned::ZonedModel::kHostAware: return "host-aware";
    case zoned::ZonedModel::kNone: return "none";
  }
  return "unknown";
}

Json zone_json(uint32_t index, const ZoneDescriptor& d) {
  return Json{{"index", index},
              {"start", d.start},
              {"len", d.len},
              {"capacity", d.capacity},
              {"wp", zoned::wp_zone_end_if_full(d)},
              {"type", d.type == zoned::ZoneType::kConventional ? "conventional"
                       : d.type == zoned::ZoneType::kSequentialWriteRequired ? "seq-write-required"
                                                                             : "seq-write-preferred"},
              {"condition", std::string(zoned::to_string(d.cond))},
              {"non-seq", d.non_seq}};
}

ZoneDescriptor one_zone(zoned::ZonedDevice& dev, uint32_t z) {
  ZoneDescriptor d;
  const auto r = dev.report_zones(dev.geometry().zone_start(z), ZoneFilter::kAll, {&d, 1});
  if (r.status != ZoneStatus::kOk || r.count != 1) {
    throw CommandError("cannot report zone " + std::to_string(z) + ": " + status_name(r.status));
  }
  return d;
}

std::string fault_op_name(zoned::FaultOp op) {
  switch (op) {
    case zoned::FaultOp::kRead: return "read";
    case zoned::FaultOp::kWrite: return "write";
    case zoned::FaultOp::kAny: return "any";
    case zoned::FaultOp::kZoneMgmt: return "zone-mgmt";
  }
  return "?";
}

Json disk_json(Disks::View d) {
  const zoned::ZonedDevice& dev = d.device;
  const auto& g = dev.geometry();
  const auto& b = d.spec.backing;
  Json j{{"id", d.name},
         {"frontend", std::string(to_string(d.spec.frontend))},
         {"backing", {{"kind", b.host ? "host" : b.plain ? "plain-image" : "zoned-image"}, {"path", b.path}}},
         {"read-only", dev.read_only()},
         {"model", model_name(g.model())},
         {"capacity-sectors", g.device_sectors()},
         {"logical-block-size", g.logical_block_size()},
         {"zone-sectors", g.zone_sectors()},
         {"zone-capacity-sectors", g.zone_capacity_sectors()},
         {"zones", g.nr_zones()},
         {"conventional-zones", g.nr_conventional()},
         {"max-open", g.max_open()},
         {"max-active", g.max_active()},
         {"max-append-sectors", g.max_append_sectors()}};
  if (d.nsid != 0) j["nsid"] = d.nsid;
  // Open and active zones: the engine's counters, or a host device's report.
  uint32_t open = 0, active = 0;
  if (d.engine != nullptr) {
    const auto rc = d.engine->resource_counts();
    open = rc.open;
    active = rc.active;
  } else if (g.nr_zones() > 0) {
    std::vector<ZoneDescriptor> zones(g.nr_zones());
    const auto r = d.device.report_zones(0, ZoneFilter::kAll, zones);
    for (size_t i = 0; i < r.count; ++i) {
      open += zoned::is_open(zones[i].cond);
      active += zoned::is_active(zones[i].cond);
    }
  }
  j["open-zones"] = open;
  j["active-zones"] = active;
  const zoned::IoCounters c = d.device.counters();
  j["counters"] = {{"read-ops", c.read_ops},       {"read-bytes", c.read_bytes},
                   {"write-ops", c.write_ops},     {"write-bytes", c.write_bytes},
                   {"append-ops", c.append_ops},   {"append-bytes", c.append_bytes},
                   {"discard-ops", c.discard_ops}, {"flush-ops", c.flush_ops},
                   {"zone-mgmt-ops", c.zone_mgmt_ops}, {"injected-errors", c.injected_errors},
                   {"injected-delays", c.injected_delays}};
  Json faults = Json::array();
  for (const zoned::FaultState& f : d.device.faults()) {
    faults.push_back({{"id", f.id},
                      {"sector", f.rule.sector},
                      {"sectors", f.rule.sectors},
                      {"operation", fault_op_name(f.rule.op)},
                      {"status", status_name(f.rule.status)},
                      {"count", f.rule.count},
                      {"probability", f.rule.probability},
                      {"delay-ms", f.rule.delay_ms},
                      {"hits", f.hits},
                      {"armed", f.armed}});
  }
  j["faults"] = faults;
  return j;
}

// A host-side zone operation: returns the zone afterwards, or throws naming the
// status and the zone's condition.
Json host_zone_op(ControlTarget t, ZoneOp op, const std::string& command, const Json& args) {
  refuse_unknown(args, {"disk", "zone", "sector"});
  DiskRef d = disk_arg(t.disks, args);
  const uint32_t z = zone_arg(d.view.device, args);
  if (d.view.device.read_only()) throw CommandError(command + " " + d.view.name + ": the disk is read-only");
  zoned::SyncZoneClient client(d.view.device.inner(), 1);
  const ZoneStatus st = client.zone_op(op, d.view.device.geometry().zone_start(z));
  const ZoneDescriptor now = one_zone(d.view.device, z);
  if (st != ZoneStatus::kOk) {
    throw CommandError(command + " " + d.view.name + " zone " + std::to_string(z) + ": " + status_name(st) + " (" +
                       std::string(zoned::to_string(st)) + "; the zone is " + std::string(zoned::to_string(now.cond)) + ")");
  }
  return zone_json(z, now);
}

}  // namespace

std::string status_name(ZoneStatus s) {
  for (const auto& [status, name] : kStatusNames) {
    if (status == s) return name;
  }
  return "unknown";
}

bool parse_status_name(const std::string& text, ZoneStatus& out) {
  for (const auto& [status, name] : kStatusNames) {
    if (text == name) {
      out = status;
      return true;
    }
  }
  return false;
}

void add_zvmm_commands(QmpServer& server, ControlTarget t) {
  server.add_command("query-status", [t](const Json& args) {
    refuse_unknown(args, {});
    const bool running = !t.stop.requested();
    return Json{{"running", running}, {"status", running ? "running" : "shutdown"}};
  });

  server.add_command("quit", [t](const Json& args) {
    refuse_unknown(args, {});
    ControlStop expected = ControlStop::kNone;
    if (t.requested.compare_exchange_strong(expected, ControlStop::kQuit)) {
      if (!t.stop.request({exit_code::kGuestReset, "stopped by quit on the control socket"})) {
        t.requested = ControlStop::kNone;
      }
    }
    return Json::object();
  });

  server.add_command("power-cut", [t](const Json& args) {
    refuse_unknown(args, {});
    ControlStop expected = ControlStop::kNone;
    if (!t.requested.compare_exchange_strong(expected, ControlStop::kPowerCut)) {
      throw CommandError("zvmm is already stopping");
    }
    if (!t.stop.request({exit_code::kPowerCut, "power cut from the control socket"})) {
      t.requested = ControlStop::kNone;
      throw CommandError("zvmm is already stopping");
    }
    return Json::object();
  });

  server.add_command("query-disks", [t](const Json& args) {
    refuse_unknown(args, {});
    Json list = Json::array();
    for (size_t i = 0; i < t.disks.size(); ++i) list.push_back(disk_json(t.disks.disk(i)));
    return list;
  });

  server.add_command("query-zones", [t](const Json& args) {
    refuse_unknown(args, {"disk", "zone", "sector", "count", "filter"});
    DiskRef d = disk_arg(t.disks, args);
    zoned::ZonedDevice& dev = d.view.device;
    const auto& g = dev.geometry();
    uint32_t first = 0;
    if (optional_arg(args, "zone") || optional_arg(args, "sector")) first = zone_arg(dev, args);
    const uint64_t count = uint_arg(args, "count").value_or(g.nr_zones());
    ZoneFilter filter = ZoneFilter::kAll;
    if (const Json* f = optional_arg(args, "filter")) {
      const std::string name = f->is_string() ? f->get<std::string>() : "";
      bool found = name == "all";
      for (const auto& [value, n] : kFilterNames) {
        if (name == n) {
          filter = value;
          found = true;
        }
      }
      if (!found) {
        throw CommandError("filter '" + name + "' is not one of all, empty, implicit-open, explicit-open, closed, "
                           "full, read-only, offline, not-wp, non-seq");
      }
    }
    std::vector<ZoneDescriptor> zones(std::min<uint64_t>(count, g.nr_zones() - first));
    const auto r = dev.report_zones(g.zone_start(first), filter, zones);
    if (r.status != ZoneStatus::kOk) throw CommandError("zone report failed: " + status_name(r.status));
    Json list = Json::array();
    for (size_t i = 0; i < r.count; ++i) list.push_back(zone_json(g.zone_index(zones[i].start), zones[i]));
    return Json{{"disk", d.view.name}, {"matching", r.matching}, {"zones", list}};
  });

  server.add_command("zone-set-condition", [t, &server](const Json& args) {
    refuse_unknown(args, {"disk", "zone", "sector", "condition"});
    DiskRef d = disk_arg(t.disks, args);
    const uint32_t z = zone_arg(d.view.device, args);
    const std::string cond_name = string_arg(args, "condition");
    ZoneCondition cond;
    if (cond_name == "read-only") {
      cond = ZoneCondition::kReadOnly;
    } else if (cond_name == "offline") {
      cond = ZoneCondition::kOffline;
    } else {
      throw CommandError("condition '" + cond_name + "' is not read-only or offline");
    }
    if (d.view.engine == nullptr) {
      throw CommandError(d.view.name + " is a host device: its zone conditions are the device's own");
    }
    if (d.view.device.read_only()) throw CommandError("zone-set-condition " + d.view.name + ": the disk is read-only");
    const ZoneDescriptor before = one_zone(d.view.device, z);
    const uint64_t start = d.view.device.geometry().zone_start(z);
    const ZoneStatus st = d.view.engine->inject_condition(start, cond);
    if (st != ZoneStatus::kOk) {
      throw CommandError("zone-set-condition " + d.view.name + " zone " + std::to_string(z) + " " + cond_name + ": " +
                         status_name(st) + " (" + std::string(zoned::to_string(st)) + "; the zone is " +
                         std::string(zoned::to_string(before.cond)) + ")");
    }
    // Durable now, not only at the final flush: a power cut keeps it.
    {
      zoned::SyncZoneClient client(d.view.device.inner(), 1);
      if (const ZoneStatus f = client.flush(); f != ZoneStatus::kOk) {
        throw CommandError("zone-set-condition " + d.view.name + ": the zone changed but flushing the image failed: " +
                           status_name(f));
      }
    }
    t.disks.zone_changed(d.index, start);
    const Json data{{"disk", d.view.name}, {"zone", z}, {"start", start},
                    {"condition", cond_name}, {"previous", std::string(zoned::to_string(before.cond))}};
    server.emit_event("ZONE_CONDITION_CHANGED", data);
    return zone_json(z, one_zone(d.view.device, z));
  });

  for (const auto& [name, op] : std::initializer_list<std::pair<const char*, ZoneOp>>{
           {"zone-reset", ZoneOp::kReset}, {"zone-finish", ZoneOp::kFinish},
           {"zone-open", ZoneOp::kOpen}, {"zone-close", ZoneOp::kClose}}) {
    server.add_command(name, [t, op = op, name = std::string(name)](const Json& args) {
      return host_zone_op(t, op, name, args);
    });
  }

  server.add_command("inject-error", [t](const Json& args) {
    refuse_unknown(args, {"disk", "sector", "sectors", "operation", "status", "count", "probability", "delay-ms"});
    DiskRef d = disk_arg(t.disks, args);
    zoned::FaultRule rule;
    rule.sector = uint_arg(args, "sector").value_or(0);
    rule.sectors = uint_arg(args, "sectors").value_or(0);
    const std::string op = optional_arg(args, "operation") ? string_arg(args, "operation") : "any";
    if (op == "read") {
      rule.op = zoned::FaultOp::kRead;
    } else if (op == "write") {
      rule.op = zoned::FaultOp::kWrite;
    } else if (op == "any") {
      rule.op = zoned::FaultOp::kAny;
    } else if (op == "zone-mgmt") {
      rule.op = zoned::FaultOp::kZoneMgmt;
    } else {
      throw CommandError("operation '" + op + "' is not read, write, any or zone-mgmt");
    }
    const uint64_t delay = uint_arg(args, "delay-ms").value_or(0);
    if (delay > 600000) throw CommandError("delay-ms is at most 600000");
    rule.delay_ms = static_cast<uint32_t>(delay);
    if (const Json* s = optional_arg(args, "status")) {
      const std::string name = s->is_string() ? s->get<std::string>() : "";
      if (!parse_status_name(name, rule.status)) {
        std::string names;
        for (const auto& [st, n] : kStatusNames) names += (names.empty() ? "" : ", ") + std::string(n);
        throw CommandError("status '" + name + "' is not one of " + names);
      }
      if (rule.status == ZoneStatus::kOk && rule.delay_ms == 0) throw CommandError("status 'ok' needs delay-ms");
    } else {
      rule.status = ZoneStatus::kIoError;
    }
    rule.count = uint_arg(args, "count").value_or(0);
    rule.probability = double_arg(args, "probability").value_or(1.0);
    try {
      return Json{{"id", d.view.device.add_fault(rule)}};
    } catch (const std::invalid_argument& e) {
      throw CommandError("inject-error " + d.view.name + ": " + e.what());
    }
  });

  server.add_command("clear-errors", [t](const Json& args) {
    refuse_unknown(args, {"disk"});
    size_t cleared = 0;
    if (optional_arg(args, "disk")) {
      cleared = disk_arg(t.disks, args).view.device.clear_faults();
    } else {
      for (size_t i = 0; i < t.disks.size(); ++i) cleared += t.disks.disk(i).device.clear_faults();
    }
    return Json{{"cleared", cleared}};
  });
}

}  // namespace zvmm::control

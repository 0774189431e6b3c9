// zvmm-zones: create, inspect and change zoned image files, and host zoned
// block devices through the pass-through code zvmm uses (HostZonedDevice).
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/size.h"
#include "zoned/host_zoned_device.h"
#include "zoned/open_zoned_device.h"
#include "zoned/sync_zone_client.h"
#include "zoned/zone_engine.h"
#include "zoned/zoned_image.h"

namespace zvmm::zoned {
namespace {

constexpr const char* kUsage = R"(usage: zvmm-zones COMMAND IMG|DEV [options]

IMG is a zoned image file; DEV a host zoned block device (e.g. /dev/nullb0),
reached through the same pass-through code as --disk ...,host=DEV (every
command but create and set-condition).

commands:
  create IMG --size SIZE --zone-size SIZE [--zone-capacity SIZE] [--conventional N]
             [--max-open N] [--max-active N] [--max-append SIZE] [--model hm|ha]
             [--block-size 512|4096] [--small-last-zone] [--force]
      Create a sparse zoned image. Sizes take a unit K, M, G or T (powers of 1024);
      a bare number is bytes. SIZE must be a multiple of the zone size unless
      --small-last-zone allows a smaller last zone, and at least one zone; --max-open and --max-active (0 = unlimited) at most the
      number of sequential zones. A geometry a Linux guest would reject is refused.
  info IMG [--json]          Geometry and zone condition counts.
  report IMG [--json] [--start SECTOR] [--filter COND]
                             One line per zone (sectors of 512 bytes).
  reset IMG ZONE|--all       Reset one zone (by index) or every zone.
  open|close|finish IMG ZONE|--all
                             Open (explicitly), close or finish one zone, or every
                             zone the operation applies to (NVMe Select All).
                             open and close on host devices only: every open of
                             an image is a power cycle, which closes open zones.
  append IMG ZONE [--size SIZE] [--data FILE]
                             Zone append of FILE (or SIZE bytes of zeros, default
                             4K) to a sequential-write-required zone; prints the
                             sector it was written at.
  set-condition IMG ZONE read-only|offline
                             Make a sequential zone READ ONLY or OFFLINE, as a
                             device fault would (for good: no command undoes it;
                             offline also from read-only). The image at rest; on
                             a running zvmm use its control socket.
  --help                     This text.

exit status: 0 ok, 1 error, 2 usage error
)";

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Args {
  std::string command, image;
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;
  bool has(const std::string& k) const { return options.count(k) != 0; }
};

const std::map<std::string, bool> kOptions = {  // name -> takes a value
    {"--size", true},         {"--zone-size", true},  {"--zone-capacity", true},
    {"--conventional", true}, {"--max-open", true},   {"--max-active", true},
    {"--max-append", true},   {"--model", true},      {"--block-size", true},
    {"--start", true},        {"--filter", true},     {"--json", false},
    {"--all", false},         {"--force", false},     {"--small-last-zone", false},
    {"--data", true}};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    if (s.rfind("--", 0) == 0) {
      auto it = kOptions.find(s);
      if (it == kOptions.end()) throw UsageError("unknown option " + s);
      if (it->second) {
        if (i + 1 >= argc) throw UsageError(s + " needs a value");
        a.options[s] = argv[++i];
      } else {
        a.options[s] = "";
      }
    } else if (a.command.empty()) {
      a.command = s;
    } else if (a.image.empty()) {
      a.image = s;
    } else {
      a.positional.push_back(s);
    }
  }
  if (a.command.empty()) throw UsageError("missing command");
  if (a.image.empty()) throw UsageError("missing image path");
  return a;
}

uint32_t number(const Args& a, const std::string& key, uint32_t fallback) {
  if (!a.has(key)) return fallback;
  const std::string& v = a.options.at(key);
  char* end = nullptr;
  unsigned long n = std::strtoul(v.c_str(), &end, 10);
  if (v.empty() || *end || n > 0xffffffffu) throw UsageError(key + ": '" + v + "' is not a number");
  return static_cast<uint32_t>(n);
}

uint64_t size(const Args& a, const std::string& key, uint64_t fallback) {
  if (!a.has(key)) return fallback;
  try {
    return parse_size(key, a.options.at(key));
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

bool is_block_device(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISBLK(st.st_mode);
}

// What a command works on: an image's zone engine, or a host zoned block device.
struct Target {
  std::unique_ptr<ZonedDevice> device;
  ZoneEngine* engine = nullptr;         // images: the device, as the engine it is
  std::optional<uint64_t> data_offset;  // images: where the data starts in the file
  bool host() const { return engine == nullptr; }
};

Target open_target(const std::string& path) {
  Target t;
  if (is_block_device(path)) {
    t.device = HostZonedDevice::open(path);
    return t;
  }
  auto image = ZonedImage::open(path);
  t.data_offset = image->layout().data_offset;
  std::unique_ptr<ZoneEngine> engine = ZonedImage::into_device(std::move(image));
  t.engine = engine.get();
  t.device = std::move(engine);
  return t;
}

// The ZONE argument: a zone index of the device.
uint32_t zone_arg(const std::string& arg, const ZoneGeometry& g) {
  char* end = nullptr;
  const unsigned long zone = std::strtoul(arg.c_str(), &end, 10);
  if (arg.empty() || *end || zone >= g.nr_zones()) {
    throw UsageError("zone '" + arg + "' is not a zone index (0.." + std::to_string(g.nr_zones() - 1) + ")");
  }
  return static_cast<uint32_t>(zone);
}

std::vector<ZoneDescriptor> all_zones(ZonedDevice& device, uint64_t start, ZoneFilter filter) {
  std::vector<ZoneDescriptor> zones(device.nr_zones());
  const ZoneReport r = device.report_zones(start, filter, zones);
  if (r.status != ZoneStatus::kOk) throw std::runtime_error("report zones: " + std::string(to_string(r.status)));
  zones.resize(r.count);
  return zones;
}

int failed(const std::string& what, ZoneStatus st) {
  std::cerr << "zvmm-zones: " << what << " failed: " << to_string(st) << "\n";
  return 1;
}

int create(const Args& a) {
  if (!a.has("--size") || !a.has("--zone-size")) throw UsageError("create needs --size and --zone-size");
  ZoneGeometryConfig c;
  c.device_bytes = size(a, "--size", 0);
  c.zone_size_bytes = size(a, "--zone-size", 0);
  c.zone_capacity_bytes = size(a, "--zone-capacity", 0);
  c.nr_conventional = number(a, "--conventional", 0);
  c.max_open = number(a, "--max-open", 0);
  c.max_active = number(a, "--max-active", 0);
  c.max_append_bytes = size(a, "--max-append", 0);
  c.logical_block_size = number(a, "--block-size", 512);
  c.allow_smaller_last_zone = a.has("--small-last-zone");
  std::string model = a.has("--model") ? a.options.at("--model") : "hm";
  if (model == "hm") c.model = ZonedModel::kHostManaged;
  else if (model == "ha") c.model = ZonedModel::kHostAware;
  else throw UsageError("--model must be hm or ha, not '" + model + "'");
  ZoneGeometry g = [&] {
    try {
      return ZoneGeometry::from_config(c);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  }();
  ZonedImage::create(a.image, g, a.has("--force"));
  std::cout << "created " << a.image << ": " << g.summary() << "\n";
  return 0;
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out;
}

int info(const Args& a) {
  Target t = open_target(a.image);
  const ZoneGeometry& g = t.device->geometry();
  const auto& c = g.config();
  std::map<ZoneCondition, uint32_t> counts;
  for (const ZoneDescriptor& d : all_zones(*t.device, 0, ZoneFilter::kAll)) ++counts[d.cond];
  if (a.has("--json")) {
    std::printf(
        "{\"%s\": \"%s\", \"model\": \"%s\", \"size_bytes\": %llu, \"zone_size_bytes\": %llu, "
        "\"zone_capacity_bytes\": %llu, \"nr_zones\": %u, \"nr_conventional\": %u, \"max_open\": %u, "
        "\"max_active\": %u, \"max_append_bytes\": %llu, \"logical_block_size\": %u, ",
        t.host() ? "device" : "image", json_escape(a.image).c_str(), std::string(to_string(g.model())).c_str(),
        static_cast<unsigned long long>(c.device_bytes), static_cast<unsigned long long>(c.zone_size_bytes),
        static_cast<unsigned long long>(c.zone_capacity_bytes), g.nr_zones(), g.nr_conventional(),
        c.max_open, c.max_active, static_cast<unsigned long long>(c.max_append_bytes),
        c.logical_block_size);
    if (t.data_offset) std::printf("\"data_offset\": %llu, ", static_cast<unsigned long long>(*t.data_offset));
    std::printf("\"conditions\": {");
    bool first = true;
    for (auto [cond, n] : counts) {
      std::printf("%s\"%s\": %u", first ? "" : ", ", std::string(to_string(cond)).c_str(), n);
      first = false;
    }
    std::printf("}}\n");
    return 0;
  }
  std::cout << a.image << ": " << g.summary() << "\n"
            << "  logical block size " << c.logical_block_size << ", max open "
            << (c.max_open ? std::to_string(c.max_open) : "unlimited") << ", max active "
            << (c.max_active ? std::to_string(c.max_active) : "unlimited") << ", max append "
            << format_size(c.max_append_bytes) << "\n  zones:";
  for (auto [cond, n] : counts) std::cout << " " << to_string(cond) << " " << n;
  std::cout << "\n";
  return 0;
}

ZoneFilter parse_filter(const std::string& s) {
  static const std::map<std::string, ZoneFilter> kFilters = {
      {"all", ZoneFilter::kAll},          {"empty", ZoneFilter::kEmpty},
      {"implicit-open", ZoneFilter::kImplicitOpen}, {"explicit-open", ZoneFilter::kExplicitOpen},
      {"closed", ZoneFilter::kClosed},    {"full", ZoneFilter::kFull},
      {"read-only", ZoneFilter::kReadOnly}, {"offline", ZoneFilter::kOffline},
      {"not-wp", ZoneFilter::kNotWp},     {"non-seq", ZoneFilter::kNonSeq}};
  auto it = kFilters.find(s);
  if (it == kFilters.end()) throw UsageError("unknown --filter '" + s + "'");
  return it->second;
}

int report(const Args& a) {
  Target t = open_target(a.image);
  const ZoneGeometry& g = t.device->geometry();
  ZoneFilter filter = a.has("--filter") ? parse_filter(a.options.at("--filter")) : ZoneFilter::kAll;
  uint64_t start = a.has("--start") ? std::stoull(a.options.at("--start")) : 0;
  const std::vector<ZoneDescriptor> zones = all_zones(*t.device, start, filter);
  const bool json = a.has("--json");
  if (json) std::printf("[");
  for (size_t i = 0; i < zones.size(); ++i) {
    const ZoneDescriptor& d = zones[i];
    if (json) {
      std::printf("%s\n  {\"start\": %llu, \"len\": %llu, \"capacity\": %llu, \"wp\": %llu, "
                  "\"type\": \"%s\", \"cond\": \"%s\", \"non_seq\": %s}",
                  i ? "," : "", static_cast<unsigned long long>(d.start),
                  static_cast<unsigned long long>(d.len), static_cast<unsigned long long>(d.capacity),
                  static_cast<unsigned long long>(wp_zone_end_if_full(d)), std::string(to_string(d.type)).c_str(),
                  std::string(to_string(d.cond)).c_str(), d.non_seq ? "true" : "false");
    } else {
      std::printf("zone %5u start %10llu len %8llu cap %8llu wp %10llu %-19s %s%s\n", g.zone_index(d.start),
                  static_cast<unsigned long long>(d.start), static_cast<unsigned long long>(d.len),
                  static_cast<unsigned long long>(d.capacity), static_cast<unsigned long long>(wp_zone_end_if_full(d)),
                  std::string(to_string(d.type)).c_str(), std::string(to_string(d.cond)).c_str(),
                  d.non_seq ? " non-seq" : "");
    }
  }
  if (json) std::printf("\n]\n");
  return 0;
}

// reset, open, close, finish: one zone, or --all (Select All).
int zone_op(const Args& a, ZoneOp op) {
  const bool all = a.has("--all");
  if (all ? !a.positional.empty() : a.positional.size() != 1) {
    throw UsageError(a.command + " needs a zone index or --all");
  }
  if (!is_block_device(a.image) && (op == ZoneOp::kOpen || op == ZoneOp::kClose)) {
    // Every open of an image is a power cycle (docs/zoned-model.md, Restart).
    throw UsageError(a.command + " on an image has no lasting effect: its next open (zvmm or this tool) closes "
                     "every open zone; use a running zvmm's control socket (zone-" + a.command + ")");
  }
  Target t = open_target(a.image);
  SyncZoneClient client(*t.device, 4);
  ZoneStatus st = all ? client.zone_op_all(op)
                      : client.zone_op(op, t.device->geometry().zone_start(zone_arg(a.positional[0], t.device->geometry())));
  if (st == ZoneStatus::kOk) st = client.flush();
  return st == ZoneStatus::kOk ? 0 : failed(a.command, st);
}

int append(const Args& a) {
  if (a.positional.size() != 1) throw UsageError("append needs a zone index");
  if (a.has("--data") && a.has("--size")) throw UsageError("append takes --data or --size, not both");
  std::vector<uint8_t> data;
  if (a.has("--data")) {
    std::ifstream in(a.options.at("--data"), std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + a.options.at("--data"));
    data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } else {
    data.resize(size(a, "--size", 4096));
  }
  Target t = open_target(a.image);
  const ZoneGeometry& g = t.device->geometry();
  const uint32_t zone = zone_arg(a.positional[0], g);
  if (data.empty() || data.size() % g.logical_block_size()) {
    throw UsageError("append of " + std::to_string(data.size()) + " bytes: a nonzero multiple of the " +
                     std::to_string(g.logical_block_size()) + "-byte block");
  }
  SyncZoneClient client(*t.device, 4);
  const AppendResult r = client.append(g.zone_start(zone), data);
  ZoneStatus st = r.status;
  if (st == ZoneStatus::kOk) st = client.flush();
  if (st != ZoneStatus::kOk) return failed("append", st);
  std::cout << "appended " << data.size() << " bytes to zone " << zone << " at sector " << r.sector << "\n";
  return 0;
}

int set_condition(const Args& a) {
  if (a.positional.size() != 2) throw UsageError("set-condition needs a zone index and read-only or offline");
  ZoneCondition cond;
  if (a.positional[1] == "read-only") cond = ZoneCondition::kReadOnly;
  else if (a.positional[1] == "offline") cond = ZoneCondition::kOffline;
  else throw UsageError("condition '" + a.positional[1] + "' is not read-only or offline");
  if (is_block_device(a.image)) {
    throw UsageError("set-condition is for images: a host device keeps its own zone conditions");
  }
  Target t = open_target(a.image);
  const uint32_t zone = zone_arg(a.positional[0], t.engine->geometry());
  try {
    inject_fault_zone(*t.engine, zone, cond);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  } catch (const std::runtime_error& e) {  // the engine's status
    std::cerr << "zvmm-zones: set-condition failed: " << e.what() << "\n";
    return 1;
  }
  const ZoneStatus st = SyncZoneClient(*t.engine, 4).flush();
  return st == ZoneStatus::kOk ? 0 : failed("set-condition", st);
}

int run(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
      std::cout << kUsage;
      return 0;
    }
  }
  try {
    Args a = parse(argc, argv);
    if (a.command == "create") return create(a);
    if (a.command == "info") return info(a);
    if (a.command == "report") return report(a);
    if (a.command == "reset") return zone_op(a, ZoneOp::kReset);
    if (a.command == "open") return zone_op(a, ZoneOp::kOpen);
    if (a.command == "close") return zone_op(a, ZoneOp::kClose);
    if (a.command == "finish") return zone_op(a, ZoneOp::kFinish);
    if (a.command == "append") return append(a);
    if (a.command == "set-condition") return set_condition(a);
    throw UsageError("unknown command '" + a.command + "'");
  } catch (const UsageError& e) {
    std::cerr << "zvmm-zones: " << e.what() << " (see --help)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "zvmm-zones: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace
}  // namespace zvmm::zoned

int main(int argc, char** argv) { return zvmm::zoned::run(argc, argv); }

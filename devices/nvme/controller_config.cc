#include "devices/nvme/controller_config.h"

#include <algorithm>
#include <set>
#include <stdexcept>
#include <string>

#include "devices/nvme/prp.h"
#include "devices/nvme/zns_commands.h"

namespace zvmm::nvme {
namespace {

void check_string(std::string_view field, const std::string& value, size_t max) {
  if (value.empty() || value.size() > max) {
    throw std::invalid_argument(std::string(field) + " must be 1.." + std::to_string(max) +
                                " characters, got " + std::to_string(value.size()));
  }
  for (char c : value) {
    if (c < 0x20 || c > 0x7e) {
      throw std::invalid_argument(std::string(field) + " \"" + value +
                                  "\" has a character outside printable ASCII");
    }
  }
}

template <size_t N>
bool all_zero(const std::array<uint8_t, N>& a) {
  return std::all_of(a.begin(), a.end(), [](uint8_t b) { return b == 0; });
}

}  // namespace

void ControllerConfig::validate() const {
  check_string("serial", serial, 20);
  check_string("model", model, 40);
  check_string("firmware", firmware, 8);
  check_string("subnqn", subnqn, 223);
  if (max_io_queues == 0) throw std::invalid_argument("an NVMe controller needs at least one I/O queue");
  if (mdts < 1 || mdts > kMaxMdts) {
    throw std::invalid_argument("mdts " + std::to_string(mdts) + " is outside 1.." +
                                std::to_string(kMaxMdts));
  }
  std::set<uint32_t> nsids;
  std::set<std::array<uint8_t, 16>> nguids;
  std::set<std::array<uint8_t, 8>> eui64s;
  for (const NamespaceConfig& ns : namespaces) {
    std::string name = "namespace " + std::to_string(ns.nsid);
    if (ns.nsid == 0 || ns.nsid > kMaxNamespaces) {
      throw std::invalid_argument("nsid " + std::to_string(ns.nsid) + " is outside 1.." +
                                  std::to_string(kMaxNamespaces));
    }
    if (!nsids.insert(ns.nsid).second) throw std::invalid_argument(name + " is given twice");
    if (ns.device == nullptr) throw std::invalid_argument(name + " has no disk");
    // A zoned device is served as a ZNS namespace (namespace_csi() makes
    // every host-managed one CSI 02h): it must fit ZNS's model.
    if (ns.device->model() != zoned::ZonedModel::kNone) {
      if (std::string why = zns_incompatibility(*ns.device); !why.empty()) {
        throw std::invalid_argument(name + ": " + why);
      }
    }
    if (all_zero(ns.nguid) || !nguids.insert(ns.nguid).second) {
      throw std::invalid_argument(name + " needs a non-zero NGUID of its own");
    }
    if (all_zero(ns.eui64) || !eui64s.insert(ns.eui64).second) {
      throw std::invalid_argument(name + " needs a non-zero EUI64 of its own");
    }
  }
}

}  // namespace zvmm::nvme

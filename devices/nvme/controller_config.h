// What one zvmm NVMe controller is configured with: its identity, limits and
// namespaces. Built by the VMM from --disk nvme,... (vmm/disks.cc), read by
// the controller model, the Identify/Features/Log Page builders and the PCI
// wrapper. No behaviour here beyond validate().
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "devices/nvme/controller_regs.h"
#include "devices/queue_worker.h"
#include "zoned/zoned_device.h"

namespace zvmm::nvme {

// One namespace (an --disk nvme,... disk) attached to a controller.
struct NamespaceConfig {
  uint32_t nsid = 1;                          // 1..kMaxNamespaces, unique on the controller
  zoned::ZonedDevice* device = nullptr;       // not owned; outlives the controller
  std::array<uint8_t, 16> nguid{};            // Identify Namespace NGUID, never all zero, unique
  std::array<uint8_t, 8> eui64{};             // Identify Namespace EUI64, never all zero, unique
  std::array<uint8_t, 16> uuid{};             // NS descriptor list NIDT 3 (RFC 4122 v4 layout)
};

// Namespace ids 1..kMaxNamespaces (Identify Controller NN).
inline constexpr uint32_t kMaxNamespaces = 256;

struct ControllerConfig {
  // Identify Controller strings (ASCII, space padded by the builder).
  std::string serial;                          // SN, 1..20 characters, unique per controller
  std::string model = "zvmm NVMe Controller";  // MN, <= 40
  std::string firmware = "1.0";                // FR, <= 8
  uint16_t cntlid = 1;                         // CNTLID, unique in the subsystem
  std::string subnqn;                          // SUBNQN, <= 223 bytes, unique per controller
  // I/O queue pairs offered (Number of Queues: NSQA/NCQA report this, 0's
  // based on the wire). MSI-X vectors = max_io_queues + 1 (vector 0 is the
  // admin CQ's).
  uint16_t max_io_queues = 4;
  ControllerRegisterConfig registers;          // CAP.MQES, CAP.TO
  uint8_t mdts = 7;                            // Identify Controller MDTS, 2^mdts 4 KiB pages (1..kMaxMdts)
  devices::KickYield kick_yield = devices::KickYield::kAuto;
  std::vector<NamespaceConfig> namespaces;     // in nsid order

  // Throws std::invalid_argument naming the first inconsistency (empty or
  // too long strings, nsid 0 / duplicate / > kMaxNamespaces, null device,
  // zero or duplicate NGUID/EUI64, mdts outside 1..kMaxMdts, max_io_queues 0,
  // a zoned device ZNS cannot serve: zns_incompatibility(), which refuses
  // host-aware devices, conventional zones and a smaller last zone).
  void validate() const;
};

}  // namespace zvmm::nvme

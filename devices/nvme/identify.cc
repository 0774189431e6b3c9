#include "devices/nvme/identify.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <string_view>

#include "base/le.h"
#include "devices/nvme/controller_regs.h"
#include "devices/nvme/pci_ids.h"
#include "devices/nvme/zns_commands.h"

namespace zvmm::nvme {
namespace {

void put_text(IdentifyData& d, size_t at, std::string_view s, size_t width) {
  for (size_t i = 0; i < width; ++i) d[at + i] = static_cast<uint8_t>(i < s.size() ? s[i] : ' ');
}

template <size_t N>
void put_bytes(IdentifyData& d, size_t at, const std::array<uint8_t, N>& b) {
  std::memcpy(d.data() + at, b.data(), N);
}

template <size_t N>
bool all_zero(const std::array<uint8_t, N>& a) {
  return std::all_of(a.begin(), a.end(), [](uint8_t b) { return b == 0; });
}

// NSFEAT bit 3: NGUID and EUI64 are never reused (derived from the image).
constexpr uint8_t kNsfeatIdsNotReused = 1 << 3;

bool nsid_valid(uint32_t nsid) { return nsid >= 1 && nsid <= kMaxNamespaces; }

Status invalid_namespace() { return Status::generic(GenericStatus::kInvalidNamespaceOrFormat); }

AdminReply reply(const IdentifyData& d) { return AdminReply::with_data({d.begin(), d.end()}); }

uint64_t namespace_blocks(const NamespaceConfig& ns) {
  return ns.device->capacity_sectors() / ns.device->geometry().lba_sectors();
}

}  // namespace

const NamespaceConfig* find_namespace(const ControllerConfig& config, uint32_t nsid) {
  for (const NamespaceConfig& ns : config.namespaces) {
    if (ns.nsid == nsid && ns.device != nullptr) return &ns;
  }
  return nullptr;
}

IdentifyData identify_controller(const ControllerConfig& config, const AdminCapabilities& caps) {
  IdentifyData d{};
  store_le<uint16_t>(d, 0, kPciVendorId);            // VID
  store_le<uint16_t>(d, 2, kPciSubsystemVendorId);   // SSVID
  put_text(d, 4, config.serial, 20);                 // SN
  put_text(d, 24, config.model, 40);                 // MN
  put_text(d, 64, config.firmware, 8);               // FR
  d[72] = 6;                                         // RAB: 2^6 commands
  // IEEE 73..75: 0, zvmm has no OUI of its own. CMIC 76: 0 (single port,
  // single controller, no ANA).
  d[77] = config.mdts;                               // MDTS
  store_le<uint16_t>(d, 78, config.cntlid);          // CNTLID
  store_le<uint32_t>(d, 80, kVersion);               // VER
  // RTD3R 84, RTD3E 88: 0 (not reported; Linux uses its 5 s shutdown default).
  uint32_t oaes = 1u << 8;                           // Namespace Attribute Notices
  if (caps.zone_descriptor_changed_notices) oaes |= 1u << 27;
  store_le<uint32_t>(d, 92, oaes);                   // OAES
  // CTRATT 96: 0.
  d[111] = 1;                                        // CNTRLTYPE: I/O controller
  uint16_t oacs = 0;
  if (caps.doorbell_buffer_config) oacs |= 1u << 8;
  store_le<uint16_t>(d, 256, oacs);                  // OACS
  d[258] = caps.abort_command_limit;                 // ACL
  d[259] = caps.async_event_request_limit;           // AERL
  d[260] = 0x03;                                     // FRMW: slot 1 read-only, 1 slot
  d[261] = (1u << 1) | (1u << 2);                    // LPA: effects log, extended data
  d[262] = kErrorLogEntries - 1;                     // ELPE (0's based)
  d[263] = 0;                                        // NPSS (0's based): one power state
  // AVSCC 264, APSTA 265: 0.
  store_le<uint16_t>(d, 266, kWarningTemperatureK);  // WCTEMP
  store_le<uint16_t>(d, 268, kCriticalTemperatureK); // CCTEMP
  // MTFA 270, HMPRE 272, HMMIN 276, TNVMCAP 280, UNVMCAP 296: 0.
  store_le<uint16_t>(d, 320, caps.keep_alive ? 1 : 0);  // KAS: 100 ms units
  d[512] = 0x66;                                     // SQES: 64-byte entries
  d[513] = 0x44;                                     // CQES: 16-byte entries
  store_le<uint16_t>(d, 514, static_cast<uint16_t>(
                                 std::min<uint32_t>(uint32_t{config.registers.mqes} + 1, 0xffff)));  // MAXCMD
  store_le<uint32_t>(d, 516, kMaxNamespaces);        // NN
  uint16_t oncs = 1u << 4;                           // Save/Select in Set/Get Features
  if (caps.compare) oncs |= 1u << 0;
  if (caps.dataset_management) oncs |= 1u << 2;
  if (caps.write_zeroes) oncs |= 1u << 3;
  if (caps.verify) oncs |= 1u << 7;
  store_le<uint16_t>(d, 520, oncs);                  // ONCS
  // FUSES 522, FNA 524: 0.
  uint8_t vwc = 0;
  if (caps.volatile_write_cache) vwc = 0x01 | (caps.flush_broadcast ? 0x06 : 0x04);
  d[525] = vwc;                                      // VWC
  // AWUN 526, AWUPF 528 (0's based: one block), NVSCC 530, ACWU 532,
  // SGLS 536 (PRPs only), MNAN 540: 0.
  const size_t nqn = std::min<size_t>(config.subnqn.size(), 255);
  std::memcpy(d.data() + 768, config.subnqn.data(), nqn);  // SUBNQN, NUL padded
  store_le<uint16_t>(d, 2048, kPowerState0Centiwatts);     // PSD0 MP
  return d;
}

IdentifyData identify_namespace(const NamespaceConfig& ns, const AdminCapabilities& caps) {
  IdentifyData d{};
  const uint64_t blocks = namespace_blocks(ns);
  store_le<uint64_t>(d, 0, blocks);    // NSZE
  store_le<uint64_t>(d, 8, blocks);    // NCAP
  store_le<uint64_t>(d, 16, blocks);   // NUSE: fully provisioned
  d[24] = kNsfeatIdsNotReused;         // NSFEAT
  d[25] = 0;                           // NLBAF (0's based): one format
  d[26] = 0;                           // FLBAS: format 0, no metadata
  uint8_t dlfeat = 0;
  if (deallocate_reads_zeroes(ns)) dlfeat = caps.write_zeroes ? 0x09 : 0x01;
  d[33] = dlfeat;                      // DLFEAT
  d[99] = ns.device->read_only() ? 1 : 0;  // NSATTR: write protected
  put_bytes(d, 104, ns.nguid);         // NGUID
  put_bytes(d, 120, ns.eui64);         // EUI64
  const uint32_t lbads = static_cast<uint32_t>(std::countr_zero(ns.device->logical_block_size()));
  store_le<uint32_t>(d, 128, lbads << 16);  // LBAF0: MS 0, LBADS, RP 0
  return d;
}

IdentifyData active_namespace_list(const ControllerConfig& config, const AdminCapabilities& caps,
                                   uint32_t after_nsid, std::optional<uint8_t> csi) {
  std::vector<uint32_t> ids;
  for (const NamespaceConfig& ns : config.namespaces) {
    if (ns.device == nullptr || ns.nsid <= after_nsid) continue;
    if (csi && namespace_csi(ns, caps) != *csi) continue;
    ids.push_back(ns.nsid);
  }
  std::sort(ids.begin(), ids.end());
  IdentifyData d{};
  for (size_t i = 0; i < ids.size() && i < kIdentifyBytes / 4; ++i) store_le<uint32_t>(d, 4 * i, ids[i]);
  return d;
}

IdentifyData namespace_descriptor_list(const NamespaceConfig& ns, const AdminCapabilities& caps) {
  IdentifyData d{};
  size_t at = 0;
  auto add = [&](uint8_t type, const uint8_t* value, uint8_t len) {
    d[at] = type;
    d[at + 1] = len;
    std::memcpy(d.data() + at + 4, value, len);
    at += 4 + len;
  };
  add(1, ns.eui64.data(), 8);
  add(2, ns.nguid.data(), 16);
  if (!all_zero(ns.uuid)) add(3, ns.uuid.data(), 16);
  const uint8_t set = namespace_csi(ns, caps);
  add(4, &set, 1);
  return d;
}

IdentifyData identify_namespace_nvm(const NamespaceConfig&) { return IdentifyData{}; }

IdentifyData identify_controller_nvm(const AdminCapabilities&) { return IdentifyData{}; }

IdentifyData identify_namespace_zns(const NamespaceConfig& ns) {
  const ZnsNamespace z = ZnsNamespace::from(*ns.device);
  IdentifyData d{};
  store_le<uint16_t>(d, 0, 0);             // ZOC: fixed capacity, no active excursions
  store_le<uint16_t>(d, 2, kOzcsRazb);     // OZCS: reads across zone boundaries; no ZRWA
  store_le<uint32_t>(d, 4, z.mar);         // MAR (0's based)
  store_le<uint32_t>(d, 8, z.mor);         // MOR (0's based)
  // RRL 12, FRL 16, RRL1-3 20..28, FRL1-3 32..40: 0 (not reported).
  // NUMZRWA 44, ZRWAFG 48, ZRWASZ 50, ZRWACAP 52: 0 (no ZRWA).
  store_le<uint64_t>(d, 2816, z.zsze);     // LBAFE[0].ZSZE
  d[2816 + 8] = z.zdes;                    // LBAFE[0].ZDES
  return d;
}

IdentifyData identify_controller_zns(const AdminCapabilities& caps) {
  IdentifyData d{};
  d[0] = caps.zone_append_size_limit;      // ZASL
  return d;
}

IdentifyData identify_namespace_independent(const NamespaceConfig& ns) {
  IdentifyData d{};
  d[0] = kNsfeatIdsNotReused;               // NSFEAT
  d[8] = ns.device->read_only() ? 1 : 0;    // NSATTR
  d[14] = 1;                                // NSTAT: namespace ready
  return d;
}

IdentifyData io_command_set_list(const AdminCapabilities& caps) {
  IdentifyData d{};
  uint64_t vector = 1u << csi::kNvm;
  if (caps.zoned_command_set) vector |= 1u << csi::kZoned;
  store_le<uint64_t>(d, 0, vector);
  return d;
}

AdminReply identify(const ControllerConfig& config, const Sqe& sqe, const AdminCapabilities& caps) {
  const uint8_t cns_value = static_cast<uint8_t>(sqe.cdw(10) & 0xff);
  const uint8_t set = static_cast<uint8_t>(sqe.cdw(11) >> 24);
  const uint32_t nsid = sqe.nsid();
  const NamespaceConfig* ns = find_namespace(config, nsid);

  switch (cns_value) {
    case cns::kNamespace:
      if (!nsid_valid(nsid)) return AdminReply::error(invalid_namespace());
      return reply(ns ? identify_namespace(*ns, caps) : IdentifyData{});
    case cns::kController:
      return reply(identify_controller(config, caps));
    case cns::kActiveNamespaceList:
    case cns::kCsActiveNamespaceList: {
      if (nsid >= kBroadcastNsid - 1) return AdminReply::error(invalid_namespace());
      std::optional<uint8_t> filter;
      if (cns_value == cns::kCsActiveNamespaceList) {
        if (!command_set_supported(caps, set)) return AdminReply::error(invalid_field());
        filter = set;
      }
      return reply(active_namespace_list(config, caps, nsid, filter));
    }
    case cns::kNamespaceDescriptorList:
      if (!nsid_valid(nsid)) return AdminReply::error(invalid_namespace());
      if (!ns) return AdminReply::error(invalid_field());
      return reply(namespace_descriptor_list(*ns, caps));
    case cns::kCsNamespace:
      if (!nsid_valid(nsid)) return AdminReply::error(invalid_namespace());
      if (!command_set_supported(caps, set)) return AdminReply::error(invalid_field());
      if (!ns) return reply(IdentifyData{});
      if (set == csi::kNvm) return reply(identify_namespace_nvm(*ns));
      if (namespace_csi(*ns, caps) != csi::kZoned) return AdminReply::error(invalid_field());
      return reply(identify_namespace_zns(*ns));
    case cns::kCsController:
      if (!command_set_supported(caps, set)) return AdminReply::error(invalid_field());
      if (set == csi::kNvm) return reply(identify_controller_nvm(caps));
      return reply(identify_controller_zns(caps));
    case cns::kCsIndependentNamespace:
      if (!nsid_valid(nsid)) return AdminReply::error(invalid_namespace());
      return reply(ns ? identify_namespace_independent(*ns) : IdentifyData{});
    case cns::kIoCommandSet:
      return reply(io_command_set_list(caps));
    default:
      return AdminReply::error(invalid_field());
  }
}

}  // namespace zvmm::nvme

#include "devices/nvme/zns_commands.h"

#include <algorithm>
#include <bit>
#include <limits>
#include <stdexcept>

#include "base/le.h"

namespace zvmm::nvme {
namespace {

using zoned::ZoneCondition;
using zoned::ZoneFilter;
using zoned::ZoneOp;
using zoned::ZoneStatus;

Status generic(GenericStatus s) { return Status::generic(s, true); }
Status specific(CommandSpecificStatus s) { return Status::specific(static_cast<uint8_t>(s), true); }
Status invalid_field() { return generic(GenericStatus::kInvalidField); }
Status lba_out_of_range() { return generic(GenericStatus::kLbaOutOfRange); }

uint64_t slba_of(const Sqe& sqe) { return (uint64_t{sqe.cdw(11)} << 32) | sqe.cdw(10); }

bool write_pointer_valid(ZoneCondition c) {
  return c != ZoneCondition::kFull && c != ZoneCondition::kReadOnly && c != ZoneCondition::kOffline;
}

}  // namespace

ZnsNamespace ZnsNamespace::from(zoned::ZonedDevice& device) {
  const zoned::ZoneGeometry& g = device.geometry();
  ZnsNamespace ns;
  ns.device = &device;
  ns.lba_bytes = g.logical_block_size();
  ns.lba_sectors = g.lba_sectors();
  ns.nsze = g.device_sectors() / ns.lba_sectors;
  ns.zsze = g.zone_sectors() / ns.lba_sectors;
  ns.zcap = g.zone_capacity_sectors() / ns.lba_sectors;
  const uint32_t active = g.max_active();
  const uint32_t open = g.max_open() != 0 ? g.max_open() : active;
  ns.mar = active != 0 ? active - 1 : kNoZoneLimit;
  ns.mor = open != 0 ? open - 1 : kNoZoneLimit;
  ns.zdes = 0;
  return ns;
}

std::string zns_incompatibility(const zoned::ZonedDevice& device) {
  const zoned::ZoneGeometry& g = device.geometry();
  const std::string name = device.description();
  if (g.model() != zoned::ZonedModel::kHostManaged) {
    return name + ": a ZNS namespace needs a host-managed zoned device, this one is " +
           std::string(zoned::to_string(g.model()));
  }
  if (g.nr_conventional() != 0) {
    return name + ": " + std::to_string(g.nr_conventional()) +
           " conventional zones: ZNS namespaces have sequential-write-required zones only";
  }
  if (g.device_sectors() % g.zone_sectors() != 0) {
    return name + ": the last zone is smaller than the zone size: a ZNS namespace needs NSZE = zones * ZSZE";
  }
  return "";
}

Status zoned_status(ZoneStatus s, bool is_read) {
  using C = CommandSpecificStatus;
  switch (s) {
    case ZoneStatus::kOk: return Status::success();
    case ZoneStatus::kOutOfRange: return lba_out_of_range();
    case ZoneStatus::kMisaligned:
    case ZoneStatus::kInvalidField:
    case ZoneStatus::kAppendTooLarge: return invalid_field();
    case ZoneStatus::kInvalidZoneOp: return specific(C::kInvalidZoneOperationRequest);
    case ZoneStatus::kBoundaryError: return specific(C::kZoneBoundaryError);
    case ZoneStatus::kZoneFull: return specific(C::kZoneIsFull);
    case ZoneStatus::kZoneReadOnly: return specific(C::kZoneIsReadOnly);
    case ZoneStatus::kZoneOffline: return specific(C::kZoneIsOffline);
    case ZoneStatus::kUnalignedWrite: return specific(C::kZoneInvalidWrite);
    case ZoneStatus::kActiveResource: return specific(C::kTooManyActiveZones);
    case ZoneStatus::kOpenResource: return specific(C::kTooManyOpenZones);
    case ZoneStatus::kInvalidTransition: return specific(C::kInvalidZoneStateTransition);
    case ZoneStatus::kIoError:
      return Status::media(static_cast<uint8_t>(is_read ? MediaStatus::kUnrecoveredReadError
                                                        : MediaStatus::kWriteFault),
                           /*dnr=*/false);
  }
  return generic(GenericStatus::kInternalError);
}

// ---- Zone Management Receive ----

bool zone_filter_from_zrasf(uint8_t zrasf, ZoneFilter& filter) {
  switch (zrasf) {
    case 0x00: filter = ZoneFilter::kAll; return true;
    case 0x01: filter = ZoneFilter::kEmpty; return true;
    case 0x02: filter = ZoneFilter::kImplicitOpen; return true;
    case 0x03: filter = ZoneFilter::kExplicitOpen; return true;
    case 0x04: filter = ZoneFilter::kClosed; return true;
    case 0x05: filter = ZoneFilter::kFull; return true;
    case 0x06: filter = ZoneFilter::kReadOnly; return true;
    case 0x07: filter = ZoneFilter::kOffline; return true;
    default: return false;
  }
}

std::variant<ZoneReceiveCommand, Status> decode_zone_receive(const Sqe& sqe, const ZnsNamespace& ns,
                                                             uint64_t max_transfer_bytes) {
  const uint32_t cdw13 = sqe.cdw(13);
  ZoneReceiveCommand c;
  c.slba = slba_of(sqe);
  c.bytes = (uint64_t{sqe.cdw(12)} + 1) * 4;
  const uint8_t zra = cdw13 & 0xff;
  c.zrasf = static_cast<uint8_t>(cdw13 >> 8);
  c.partial = (cdw13 >> 16) & 1;
  if (c.slba >= ns.nsze) return lba_out_of_range();
  if (zra != zone_receive_action::kReport && zra != zone_receive_action::kExtendedReport) {
    return invalid_field();
  }
  c.extended = zra == zone_receive_action::kExtendedReport;
  if (c.extended && ns.zdes == 0) return invalid_field();
  if (!zone_filter_from_zrasf(c.zrasf, c.filter)) return invalid_field();
  if (c.bytes < kZoneReportHeaderBytes) return invalid_field();
  if (max_transfer_bytes != 0 && c.bytes > max_transfer_bytes) return invalid_field();
  return c;
}

void encode_zone_descriptor(const ZnsNamespace& ns, const zoned::ZoneDescriptor& zone,
                            std::span<uint8_t, kZoneDescriptorBytes> out) {
  namespace zd = zone_descriptor;
  std::fill(out.begin(), out.end(), uint8_t{0});
  out[zd::kZt] = static_cast<uint8_t>(zone.type) & 0x0f;
  out[zd::kZs] = static_cast<uint8_t>(static_cast<uint8_t>(zone.cond) << 4);
  out[zd::kZa] = 0;
  out[zd::kZai] = 0;
  store_le<uint64_t>(out, zd::kZcap, ns.lba(zone.capacity));
  store_le<uint64_t>(out, zd::kZslba, ns.lba(zone.start));
  store_le<uint64_t>(out, zd::kWp, write_pointer_valid(zone.cond) ? ns.lba(zone.wp) : kInvalidWritePointer);
}

std::vector<uint8_t> build_zone_report(const ZnsNamespace& ns, std::span<const zoned::ZoneDescriptor> zones,
                                       uint64_t nr_zones, bool extended, uint64_t bytes) {
  if (bytes < kZoneReportHeaderBytes) return {};
  const uint64_t entry = ns.report_entry_bytes(extended);
  const uint64_t fit = std::min<uint64_t>((bytes - kZoneReportHeaderBytes) / entry, zones.size());
  std::vector<uint8_t> d(kZoneReportHeaderBytes + fit * entry, 0);
  store_le<uint64_t>(d, 0, nr_zones);
  for (uint64_t i = 0; i < fit; ++i) {
    encode_zone_descriptor(
        ns, zones[i],
        std::span<uint8_t, kZoneDescriptorBytes>(d.data() + kZoneReportHeaderBytes + i * entry,
                                                 kZoneDescriptorBytes));
    // Extension bytes (extended reports) stay zero: ZDEV is clear.
  }
  return d;
}

ZoneReceiveReply zone_management_receive(const ZnsNamespace& ns, const ZoneReceiveCommand& cmd) {
  const uint64_t sector = ns.sector(cmd.slba);
  const zoned::ZoneGeometry& g = ns.device->geometry();
  if (sector >= g.device_sectors() || cmd.bytes < kZoneReportHeaderBytes) {
    return {cmd.bytes < kZoneReportHeaderBytes ? invalid_field() : lba_out_of_range(), {}};
  }
  const uint64_t room = (cmd.bytes - kZoneReportHeaderBytes) / ns.report_entry_bytes(cmd.extended);
  const uint64_t remaining = g.nr_zones() - g.zone_index(sector);
  std::vector<zoned::ZoneDescriptor> zones(std::min(room, remaining));
  const zoned::ZoneReport report = ns.device->report_zones(sector, cmd.filter, zones);
  if (report.status != ZoneStatus::kOk) return {zoned_status(report.status, true), {}};
  const size_t n = std::min(report.count, zones.size());
  const uint64_t nr_zones = cmd.partial ? n : report.matching;
  return {Status::success(),
          build_zone_report(ns, std::span(zones.data(), n), nr_zones, cmd.extended, cmd.bytes)};
}

// ---- Zone Management Send ----

bool zone_op_from_zsa(uint8_t zsa, ZoneOp& op) {
  switch (zsa) {
    case zone_send_action::kClose: op = ZoneOp::kClose; return true;
    case zone_send_action::kFinish: op = ZoneOp::kFinish; return true;
    case zone_send_action::kOpen: op = ZoneOp::kOpen; return true;
    case zone_send_action::kReset: op = ZoneOp::kReset; return true;
    case zone_send_action::kOffline: op = ZoneOp::kOffline; return true;
    default: return false;
  }
}

std::variant<ZoneSendCommand, Status> decode_zone_send(const Sqe& sqe, const ZnsNamespace& ns) {
  const uint32_t cdw13 = sqe.cdw(13);
  ZoneSendCommand c;
  c.zsa = cdw13 & 0xff;
  c.select_all = (cdw13 >> 8) & 1;
  const bool zsaso = (cdw13 >> 9) & 1;
  if (!c.select_all) {
    c.slba = slba_of(sqe);
    if (c.slba >= ns.nsze) return lba_out_of_range();
    if (!ns.is_zone_start(c.slba)) return invalid_field();
    c.sector = ns.sector(c.slba);
  }
  if (c.zsa == zone_send_action::kSetDescriptorExtension) {
    if (c.select_all || ns.zdes == 0) return invalid_field();
    c.kind = ZoneSendCommand::Kind::kSetDescriptorExtension;
    return c;
  }
  if (c.zsa == zone_send_action::kZrwaFlush) {
    return specific(CommandSpecificStatus::kInvalidZoneOperationRequest);
  }
  if (!zone_op_from_zsa(c.zsa, c.op)) return invalid_field();
  if (c.op == ZoneOp::kOpen && zsaso) {
    return specific(CommandSpecificStatus::kInvalidZoneOperationRequest);
  }
  return c;
}

// ---- Zone Append ----

uint64_t zone_append_limit_bytes(uint8_t zasl, uint8_t mdts) {
  const uint8_t shift = zasl != 0 ? zasl : mdts;
  if (shift == 0 || shift >= 52) return std::numeric_limits<uint64_t>::max();
  return uint64_t{4096} << shift;
}

uint8_t zone_append_size_limit(uint64_t max_append_bytes, uint8_t mdts) {
  if (mdts != 0 && mdts < 52 && (uint64_t{4096} << mdts) <= max_append_bytes) return 0;
  const uint64_t pages = max_append_bytes / 4096;
  const int n = pages == 0 ? -1 : static_cast<int>(std::bit_width(pages)) - 1;
  if (n < 1) {
    throw std::invalid_argument("max append size " + std::to_string(max_append_bytes) +
                                " bytes is below 8 KiB: NVMe ZASL cannot advertise it (ZASL 0 means MDTS, " +
                                std::to_string(mdts == 0 ? 0 : uint64_t{4096} << mdts) + " bytes)");
  }
  return static_cast<uint8_t>(n);
}

std::variant<ZoneAppendCommand, Status> decode_zone_append(const Sqe& sqe, const ZnsNamespace& ns,
                                                           uint64_t append_limit_bytes) {
  ZoneAppendCommand c;
  const uint32_t cdw12 = sqe.cdw(12);
  c.zslba = slba_of(sqe);
  c.nlb = (cdw12 & 0xffff) + 1;
  c.fua = (cdw12 >> 30) & 1;
  c.bytes = uint64_t{c.nlb} * ns.lba_bytes;
  if (c.zslba > ns.nsze || c.nlb > ns.nsze - c.zslba) return lba_out_of_range();
  if (!ns.is_zone_start(c.zslba)) return invalid_field();
  if (c.bytes > append_limit_bytes) return invalid_field();
  c.zone_sector = ns.sector(c.zslba);
  return c;
}

void set_zone_append_result(const ZnsNamespace& ns, uint64_t appended_sector, Cqe& cqe) {
  const uint64_t alba = ns.lba(appended_sector);
  cqe.dw0 = static_cast<uint32_t>(alba);
  cqe.dw1 = static_cast<uint32_t>(alba >> 32);
}

}  // namespace zvmm::nvme

#include "devices/nvme/io_commands.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "base/le.h"

namespace zvmm::nvme {

namespace {

constexpr uint32_t kDsmAttributeDeallocate = 1u << 2;  // CDW11 AD
constexpr size_t kDsmRangeBytes = 16;

Status generic(GenericStatus s) { return Status::generic(s, true); }

const IoNamespace* find(std::span<const IoNamespace> namespaces, uint32_t nsid) {
  for (const IoNamespace& ns : namespaces) {
    if (ns.nsid == nsid) return &ns;
  }
  return nullptr;
}

// SLBA + NLB (both LBAs) inside NSZE, overflow-safe.
bool in_range(const IoNamespace& ns, uint64_t slba, uint64_t nlb) {
  return slba <= ns.nsze && nlb <= ns.nsze - slba;
}

Status prp_status(const PrpError& e) { return generic(e.status); }

// 79h, 7Ah, 7Dh on a zoned namespace.
std::variant<IoOp, Status> decode_zoned(const Sqe& sqe, const IoNamespace& ns, const GuestMemory& mem,
                                        const PrpLimits& limits, const ZonedIoSettings& zoned,
                                        std::vector<iovec>& iov) {
  const ZnsNamespace& zns = *ns.zns;
  switch (sqe.opcode()) {
    case io_opcode::kZoneManagementSend: {
      auto d = decode_zone_send(sqe, zns);
      if (auto* s = std::get_if<Status>(&d)) return *s;
      const ZoneSendCommand& c = std::get<ZoneSendCommand>(d);
      // ZDES is 0 (ZnsNamespace::from), so Set Zone Descriptor Extension is
      // never decoded; keep the guard should that change.
      if (c.kind != ZoneSendCommand::Kind::kZoneOp) return generic(GenericStatus::kInvalidField);
      if (ns.read_only) return generic(GenericStatus::kNamespaceWriteProtected);
      return IoOp{.kind = IoOp::kZoneSend, .ns = &ns, .sector = c.sector, .zone_op = c.op,
                  .select_all = c.select_all};
    }
    case io_opcode::kZoneManagementReceive: {
      auto d = decode_zone_receive(sqe, zns, limits.max_transfer_bytes());
      if (auto* s = std::get_if<Status>(&d)) return *s;
      const ZoneReceiveCommand& c = std::get<ZoneReceiveCommand>(d);
      if (auto e = map_prps(mem, {.prp1 = sqe.prp1(), .prp2 = sqe.prp2(), .length = c.bytes}, limits, iov)) {
        return prp_status(*e);
      }
      return IoOp{.kind = IoOp::kZoneReceive, .ns = &ns, .bytes = c.bytes, .receive = c};
    }
    case io_opcode::kZoneAppend: {
      auto d = decode_zone_append(sqe, zns, zoned.append_limit_bytes);
      if (auto* s = std::get_if<Status>(&d)) return *s;
      const ZoneAppendCommand& c = std::get<ZoneAppendCommand>(d);
      if (ns.read_only) return generic(GenericStatus::kNamespaceWriteProtected);
      if (auto e = map_prps(mem, {.prp1 = sqe.prp1(), .prp2 = sqe.prp2(), .length = c.bytes}, limits, iov)) {
        return prp_status(*e);
      }
      return IoOp{.kind = IoOp::kZoneAppend, .ns = &ns, .sector = c.zone_sector, .bytes = c.bytes};
    }
  }
  return generic(GenericStatus::kInvalidOpcode);
}

}  // namespace

IoNamespace IoNamespace::from(const NamespaceConfig& config, bool zoned) {
  IoNamespace ns;
  ns.nsid = config.nsid;
  ns.device = config.device;
  ns.lba_bytes = config.device->logical_block_size();
  ns.nsze = config.device->capacity_sectors() * zoned::kSectorSize / ns.lba_bytes;
  ns.read_only = config.device->read_only();
  if (zoned) ns.zns = ZnsNamespace::from(*config.device);
  return ns;
}

std::variant<IoOp, Status> decode_io_command(const Sqe& sqe, std::span<const IoNamespace> namespaces,
                                             const GuestMemory& mem, const PrpLimits& limits,
                                             const ZonedIoSettings& zoned, std::vector<iovec>& iov,
                                             std::vector<DsmRange>& ranges) {
  iov.clear();
  ranges.clear();
  const uint8_t op = sqe.opcode();
  switch (op) {
    case io_opcode::kFlush:
    case io_opcode::kWrite:
    case io_opcode::kRead:
    case io_opcode::kWriteZeroes:
    case io_opcode::kDatasetManagement:
    case io_opcode::kZoneManagementSend:
    case io_opcode::kZoneManagementReceive:
    case io_opcode::kZoneAppend: break;
    default: return generic(GenericStatus::kInvalidOpcode);
  }
  if (sqe.fuse() != 0 || sqe.psdt() != 0) return generic(GenericStatus::kInvalidField);

  if (op == io_opcode::kFlush && sqe.nsid() == kBroadcastNsid) return IoOp{.kind = IoOp::kFlush};
  const IoNamespace* ns = find(namespaces, sqe.nsid());
  // A zoned namespace is inactive unless CC.CSS selected the I/O command sets.
  if (!ns || (ns->zns && !zoned.enabled)) return generic(GenericStatus::kInvalidNamespaceOrFormat);
  switch (op) {
    case io_opcode::kZoneManagementSend:
    case io_opcode::kZoneManagementReceive:
    case io_opcode::kZoneAppend:
      if (!ns->zns) return generic(GenericStatus::kInvalidOpcode);  // not an NVM command
      return decode_zoned(sqe, *ns, mem, limits, zoned, iov);
    default: break;
  }

  const uint64_t slba = uint64_t{sqe.cdw(10)} | uint64_t{sqe.cdw(11)} << 32;
  const uint64_t nlb = uint64_t{sqe.cdw(12) & 0xffff} + 1;  // 0's based
  switch (op) {
    case io_opcode::kFlush: return IoOp{.kind = IoOp::kFlush, .ns = ns};
    case io_opcode::kRead:
    case io_opcode::kWrite: {
      if (!in_range(*ns, slba, nlb)) return generic(GenericStatus::kLbaOutOfRange);
      const bool write = op == io_opcode::kWrite;
      if (write && ns->read_only) return generic(GenericStatus::kNamespaceWriteProtected);
      const uint64_t bytes = nlb * ns->lba_bytes;
      if (auto e = map_prps(mem, {.prp1 = sqe.prp1(), .prp2 = sqe.prp2(), .length = bytes}, limits, iov)) {
        return prp_status(*e);
      }
      return IoOp{.kind = write ? IoOp::kWrite : IoOp::kRead, .ns = ns, .sector = ns->sector(slba),
                  .bytes = bytes};
    }
    case io_opcode::kWriteZeroes: {
      if (!in_range(*ns, slba, nlb)) return generic(GenericStatus::kLbaOutOfRange);
      if (ns->read_only) return generic(GenericStatus::kNamespaceWriteProtected);
      const uint64_t bytes = nlb * ns->lba_bytes;  // <= 65536 * 4 KiB < kMaxWriteZeroesBytes
      if (bytes > zoned::kMaxWriteZeroesBytes) return generic(GenericStatus::kInvalidField);
      return IoOp{.kind = IoOp::kWriteZeroes, .ns = ns, .sector = ns->sector(slba), .bytes = bytes};
    }
    case io_opcode::kDatasetManagement: {
      if (!(sqe.cdw(11) & kDsmAttributeDeallocate)) return IoOp{.kind = IoOp::kNothing, .ns = ns};
      if (ns->read_only) return generic(GenericStatus::kNamespaceWriteProtected);
      const uint64_t nr = uint64_t{sqe.cdw(10) & 0xff} + 1;
      if (auto e = map_prps(mem, {.prp1 = sqe.prp1(), .prp2 = sqe.prp2(), .length = nr * kDsmRangeBytes},
                            limits, iov)) {
        return prp_status(*e);
      }
      std::array<uint8_t, 256 * kDsmRangeBytes> raw;
      size_t off = 0;
      for (const iovec& v : iov) {
        std::memcpy(raw.data() + off, v.iov_base, v.iov_len);
        off += v.iov_len;
      }
      iov.clear();
      for (uint64_t i = 0; i < nr; ++i) {
        const std::span<const uint8_t> r(raw.data() + i * kDsmRangeBytes, kDsmRangeBytes);
        DsmRange range{.attributes = load_le<uint32_t>(r, 0), .nlb = load_le<uint32_t>(r, 4),
                       .slba = load_le<uint64_t>(r, 8)};
        if (range.nlb == 0) continue;
        if (!in_range(*ns, range.slba, range.nlb)) {
          ranges.clear();
          return generic(GenericStatus::kLbaOutOfRange);
        }
        ranges.push_back(range);
      }
      if (ranges.empty()) return IoOp{.kind = IoOp::kNothing, .ns = ns};
      return IoOp{.kind = IoOp::kDeallocate, .ns = ns};
    }
  }
  return generic(GenericStatus::kInvalidOpcode);
}

}  // namespace zvmm::nvme

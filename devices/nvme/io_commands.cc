#include "devices/nvme/io_commands.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "base/le.h"

namespace zvmm::nvme {

namespace {

constexpr uint8_t kZoneBoundaryError = 0xb8;
constexpr uint8_t kZoneIsFull = 0xb9;
constexpr uint8_t kZoneIsReadOnly = 0xba;
constexpr uint8_t kZoneIsOffline = 0xbb;
constexpr uint8_t kZoneInvalidWrite = 0xbc;
constexpr uint8_t kTooManyActiveZones = 0xbd;
constexpr uint8_t kTooManyOpenZones = 0xbe;
constexpr uint8_t kInvalidZoneStateTransition = 0xbf;

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

}  // namespace

IoNamespace IoNamespace::from(const NamespaceConfig& config) {
  IoNamespace ns;
  ns.nsid = config.nsid;
  ns.device = config.device;
  ns.lba_bytes = config.device->logical_block_size();
  ns.nsze = config.device->capacity_sectors() * zoned::kSectorSize / ns.lba_bytes;
  ns.read_only = config.device->read_only();
  return ns;
}

Status nvme_status(zoned::ZoneStatus s, bool is_read) {
  using zoned::ZoneStatus;
  switch (s) {
    case ZoneStatus::kOk: return Status::success();
    case ZoneStatus::kOutOfRange: return generic(GenericStatus::kLbaOutOfRange);
    case ZoneStatus::kMisaligned:
    case ZoneStatus::kInvalidField:
    case ZoneStatus::kAppendTooLarge:
    case ZoneStatus::kInvalidZoneOp: return generic(GenericStatus::kInvalidField);
    case ZoneStatus::kUnalignedWrite: return Status::specific(kZoneInvalidWrite);
    case ZoneStatus::kBoundaryError: return Status::specific(kZoneBoundaryError);
    case ZoneStatus::kZoneFull: return Status::specific(kZoneIsFull);
    case ZoneStatus::kZoneReadOnly: return Status::specific(kZoneIsReadOnly);
    case ZoneStatus::kZoneOffline: return Status::specific(kZoneIsOffline);
    case ZoneStatus::kOpenResource: return Status::specific(kTooManyOpenZones);
    case ZoneStatus::kActiveResource: return Status::specific(kTooManyActiveZones);
    case ZoneStatus::kInvalidTransition: return Status::specific(kInvalidZoneStateTransition);
    case ZoneStatus::kIoError:
      return Status::media(is_read ? MediaStatus::kUnrecoveredReadError : MediaStatus::kWriteFault,
                           false);
  }
  return generic(GenericStatus::kInternalError);
}

std::variant<IoOp, Status> decode_io_command(const Sqe& sqe, std::span<const IoNamespace> namespaces,
                                             const GuestMemory& mem, const PrpLimits& limits,
                                             std::vector<iovec>& iov, std::vector<DsmRange>& ranges) {
  iov.clear();
  ranges.clear();
  const uint8_t op = sqe.opcode();
  switch (op) {
    case io_opcode::kFlush:
    case io_opcode::kWrite:
    case io_opcode::kRead:
    case io_opcode::kWriteZeroes:
    case io_opcode::kDatasetManagement: break;
    default: return generic(GenericStatus::kInvalidOpcode);
  }
  if (sqe.fuse() != 0 || sqe.psdt() != 0) return generic(GenericStatus::kInvalidField);

  if (op == io_opcode::kFlush && sqe.nsid() == kBroadcastNsid) return IoOp{.kind = IoOp::kFlush};
  const IoNamespace* ns = find(namespaces, sqe.nsid());
  if (!ns) return generic(GenericStatus::kInvalidNamespaceOrFormat);

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

// The Zoned Namespace Command Set (CSI 02h) protocol layer: decoding of the
// three ZNS I/O commands, the zone report they return, and the one mapping
// from the zone engine's results to NVMe statuses on a zoned namespace. Pure
// functions over an Sqe and a ZonedDevice: no guest memory, no queues, no
// controller state. The controller's I/O path calls them (see "How the
// controller uses this" at the end).
//
// Spec: NVM Express Zoned Namespace Command Set Specification 1.1 (ZNS):
// the Zone Management Receive, Zone Management Send and Zone Append
// commands, the zone descriptor data structure and the command specific
// status values; the digest with what Linux 6.12, nvme-cli 2.3, libnvme 1.3
// and QEMU do is /work/shared/notes/nvme-zns.md section 5.
//
// Units, everywhere below:
//   LBA      a logical block of the namespace: the device's logical block size
//            (512 or 4096 bytes; one LBA format, LBAF0). SLBA, ZSLBA, ZCAP,
//            ZSZE, WP, ALBA, NLB, NSZE are LBAs.
//   sector   512 bytes: what ZonedDevice/ZonedQueue take (zoned_device.h).
//            ZnsNamespace::sector()/lba() convert (exact: LBAs are whole
//            sectors).
//   bytes    transfer lengths (NUMD * 4, data sizes).
// Every Status below carries DNR unless it says otherwise.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "devices/nvme/nvme_command.h"
#include "devices/nvme/nvme_status.h"
#include "zoned/zone_status.h"
#include "zoned/zone_types.h"
#include "zoned/zoned_device.h"

namespace zvmm::nvme {

// --- Wire constants ------------------------------------------------------------

// Zone Management Receive data: a 64-byte header {NR_ZONES @0 (8), reserved},
// then one entry per zone: a 64-byte descriptor, followed in an extended
// report by ZDES * 64 bytes of zone descriptor extension (ZNS figure "Zone
// Descriptor Data Structure").
inline constexpr size_t kZoneReportHeaderBytes = 64;
inline constexpr size_t kZoneDescriptorBytes = 64;
// Zone descriptor byte offsets.
namespace zone_descriptor {
inline constexpr size_t kZt = 0;     // Zone Type, bits 3:0 (2h = sequential write required)
inline constexpr size_t kZs = 1;     // Zone State, bits 7:4 (the ZoneCondition numbers)
inline constexpr size_t kZa = 2;     // Zone Attributes (zone_attribute::*)
inline constexpr size_t kZai = 3;    // Zone Attributes Information (RRL/FRL index)
inline constexpr size_t kZcap = 8;   // Zone Capacity, LBAs (8)
inline constexpr size_t kZslba = 16; // Zone Start LBA (8)
inline constexpr size_t kWp = 24;    // Write Pointer, LBA (8)
}  // namespace zone_descriptor
// Zone Attributes bits.
namespace zone_attribute {
inline constexpr uint8_t kZfc = 1u << 0;   // Zone Finished by Controller
inline constexpr uint8_t kFzr = 1u << 1;   // Finish Zone Recommended
inline constexpr uint8_t kRzr = 1u << 2;   // Reset Zone Recommended
inline constexpr uint8_t kZrwav = 1u << 3; // Zone Random Write Area Valid
inline constexpr uint8_t kZdev = 1u << 7;  // Zone Descriptor Extension Valid
}  // namespace zone_attribute
// The Write Pointer reported for zones whose write pointer the spec declares
// not valid (FULL, READ ONLY, OFFLINE): all ones, as QEMU reports it. Linux
// uses ZSLBA + ZSZE for FULL zones and ignores the field for the other two;
// nvme-cli prints it as is. (The engine's own FULL convention, start +
// capacity, is not put on the wire.)
inline constexpr uint64_t kInvalidWritePointer = ~uint64_t{0};

// Zone Receive Action (CDW13 bits 7:0).
namespace zone_receive_action {
inline constexpr uint8_t kReport = 0x00;
inline constexpr uint8_t kExtendedReport = 0x01;
}  // namespace zone_receive_action

// Zone Send Action (CDW13 bits 7:0).
namespace zone_send_action {
inline constexpr uint8_t kClose = 0x01;
inline constexpr uint8_t kFinish = 0x02;
inline constexpr uint8_t kOpen = 0x03;
inline constexpr uint8_t kReset = 0x04;
inline constexpr uint8_t kOffline = 0x05;
inline constexpr uint8_t kSetDescriptorExtension = 0x10;
inline constexpr uint8_t kZrwaFlush = 0x11;
}  // namespace zone_send_action

// MAR/MOR value for "no limit" (0's based fields).
inline constexpr uint32_t kNoZoneLimit = 0xffffffff;

// --- The namespace ---------------------------------------------------------------

// A zoned namespace as the ZNS commands and Identify see it; constant while
// the controller lives. Build it once per namespace with from().
struct ZnsNamespace {
  zoned::ZonedDevice* device = nullptr;  // not owned
  uint32_t lba_bytes = 512;     // LBA data size (the device's logical block size)
  uint64_t lba_sectors = 1;     // sectors per LBA (1 or 8)
  uint64_t nsze = 0;            // NSZE, LBAs (= number of zones * zsze for a ZNS device)
  uint64_t zsze = 0;            // zone size, LBAs (a power of two)
  uint64_t zcap = 0;            // zone capacity, LBAs
  // Identify Namespace MAR / MOR, 0's based, kNoZoneLimit = none. MOR is
  // the open limit, or the active limit when only that is set (every open
  // zone is active, and Linux refuses MOR > MAR); MAR the active limit.
  uint32_t mar = kNoZoneLimit;
  uint32_t mor = kNoZoneLimit;
  // Zone descriptor extension size, in 64-byte units (LBAFE[0].ZDES). 0:
  // the engine stores no extensions, so from() always gives 0; extended
  // reports and Set Zone Descriptor Extension are then Invalid Field.
  uint8_t zdes = 0;

  // From a device's geometry. Does not check ZNS compatibility (see
  // zns_incompatibility()).
  static ZnsNamespace from(zoned::ZonedDevice& device);

  uint64_t sector(uint64_t lba) const { return lba * lba_sectors; }
  uint64_t lba(uint64_t sector) const { return sector / lba_sectors; }
  bool is_zone_start(uint64_t lba) const { return (lba & (zsze - 1)) == 0; }
  // Bytes per report entry: descriptor, plus the extension in extended reports.
  uint64_t report_entry_bytes(bool extended) const {
    return kZoneDescriptorBytes + (extended ? uint64_t{zdes} * 64 : 0);
  }
};

// Why `device` cannot be served as a ZNS namespace, or "" if it can. ZNS
// has only sequential-write-required zones of one power-of-two size and NSZE
// = zones * ZSZE (notes section 0 items 10-11), so: not host-managed,
// conventional zones, or a smaller last zone are refused. The controller
// configuration should refuse such a --disk with this text (issue 12
// "Backings").
std::string zns_incompatibility(const zoned::ZonedDevice& device);

// --- Status mapping --------------------------------------------------------------

// THE mapping of the engine's results to NVMe statuses for commands on a
// zoned namespace (Read, Write, Write Zeroes, Zone Append, Zone Management
// Send/Receive). `is_read`: the command read data.
//   kOk                success
//   kOutOfRange        generic 80h LBA Out of Range
//   kMisaligned        generic 02h Invalid Field in Command
//   kInvalidField      generic 02h Invalid Field (zone op / append SLBA not a zone start)
//   kAppendTooLarge    generic 02h Invalid Field (ZNS Zone Append: above ZASL)
//   kInvalidZoneOp     SCT 1 B6h Invalid Zone Operation Request (a zone
//                      operation the zone or device cannot do: a host
//                      device's Offline; conventional zones, which a ZNS
//                      namespace never has)
//   kBoundaryError     SCT 1 B8h Zone Boundary Error
//   kZoneFull          SCT 1 B9h Zone Is Full
//   kZoneReadOnly      SCT 1 BAh Zone Is Read Only
//   kZoneOffline       SCT 1 BBh Zone Is Offline
//   kUnalignedWrite    SCT 1 BCh Zone Invalid Write
//   kActiveResource    SCT 1 BDh Too Many Active Zones (Linux: EOVERFLOW)
//   kOpenResource      SCT 1 BEh Too Many Open Zones (Linux: ETOOMANYREFS)
//   kInvalidTransition SCT 1 BFh Invalid Zone State Transition
//   kIoError           media 81h Unrecovered Read Error (is_read) or 80h
//                      Write Fault, WITHOUT DNR (a backend error may be
//                      transient: Linux retries)
// All others carry DNR (Linux retries any error without DNR 5 times).
// The controller uses this one mapping on every namespace (io_sq.cc): on an
// NVM namespace (a plain device) the zone-specific results cannot occur.
Status zoned_status(zoned::ZoneStatus s, bool is_read);

// --- Zone Management Receive (7Ah) -------------------------------------------------

// CDW10-11 SLBA; CDW12 NUMD (0's based dwords); CDW13 ZRA 7:0, ZRASF 15:8,
// Partial Report bit 16.
struct ZoneReceiveCommand {
  uint64_t slba = 0;        // LBA inside the first zone of interest
  uint64_t bytes = 0;       // transfer length: (NUMD + 1) * 4
  bool extended = false;    // ZRA 01h
  uint8_t zrasf = 0;        // raw ZRASF
  zoned::ZoneFilter filter = zoned::ZoneFilter::kAll;
  bool partial = false;     // NR_ZONES counts transferred descriptors only
};

// ZRASF (0..7, libnvme/nvme-cli/QEMU numbering; Linux's own header swaps 5
// and 6, but only nvmet uses those) -> the engine's filter: 00h all, 01h
// ZSE empty, 02h ZSIO implicitly open, 03h ZSEO explicitly open, 04h ZSC
// closed, 05h ZSF full, 06h ZSRO read only, 07h ZSO offline. Other values:
// false.
bool zone_filter_from_zrasf(uint8_t zrasf, zoned::ZoneFilter& filter);

// Decodes and checks a Zone Management Receive, in QEMU's order:
//   SLBA >= NSZE                              generic 80h LBA Out of Range
//   ZRA not 00h/01h                           Invalid Field
//   ZRA 01h (extended) while ZDES is 0        Invalid Field
//   ZRASF > 07h                               Invalid Field
//   transfer < 64 bytes (no room for header)  Invalid Field
//   transfer > max_transfer_bytes (MDTS; 0 = no limit)   Invalid Field
std::variant<ZoneReceiveCommand, Status> decode_zone_receive(const Sqe& sqe, const ZnsNamespace& ns,
                                                             uint64_t max_transfer_bytes);

// One zone descriptor (64 bytes at `out`): ZT = the zone type number (2h
// for every zone of a ZNS-compatible device), ZS = condition << 4, ZA = 0
// (the engine never finishes a zone itself (ZFC), implements no RRL/FRL
// (FZR, RZR), no ZRWA and no extensions (ZDEV)), ZAI 0, ZCAP, ZSLBA in LBAs,
// WP in LBAs or kInvalidWritePointer for FULL, READ ONLY and OFFLINE zones.
void encode_zone_descriptor(const ZnsNamespace& ns, const zoned::ZoneDescriptor& zone,
                            std::span<uint8_t, kZoneDescriptorBytes> out);

// The report data for `zones` (already filtered, starting at the SLBA's
// zone) in a transfer of `bytes` (>= 64; else empty): the header with
// NR_ZONES = `nr_zones`, then as many whole entries (descriptor + extension
// in extended reports; extensions are zero, ZDEV clear) as fit in `bytes`.
// The data ends after the last whole entry: the controller zero-pads the
// rest of the transfer (as for AdminReply data), so a guest's large NUMD
// never makes a large allocation here.
std::vector<uint8_t> build_zone_report(const ZnsNamespace& ns, std::span<const zoned::ZoneDescriptor> zones,
                                       uint64_t nr_zones, bool extended, uint64_t bytes);

struct ZoneReceiveReply {
  Status status;              // success, or zoned_status() of a failed device report
  // On success the header and the whole entries that fit (<= cmd.bytes; the
  // controller zero-pads the rest of the transfer); empty otherwise.
  std::vector<uint8_t> data;
};

// Runs a decoded Zone Management Receive against ns.device's report_zones()
// (the same engine call virtio-blk's zone report makes): descriptors of the
// zones matching cmd.filter from the zone containing SLBA, as many as fit in
// cmd.bytes; NR_ZONES = descriptors transferred with Partial Report, else
// every matching zone from that zone to the end of the namespace (even when
// only the header fits: nvme-cli sizes its loop from a 64-byte report).
// Synchronous; thread-safe as report_zones() is.
ZoneReceiveReply zone_management_receive(const ZnsNamespace& ns, const ZoneReceiveCommand& cmd);

// --- Zone Management Send (79h) ------------------------------------------------------

// CDW10-11 SLBA; CDW13 ZSA 7:0, Select All bit 8, ZSASO bit 9. No data
// except for ZSA 10h (ZDES * 64 bytes).
struct ZoneSendCommand {
  enum class Kind : uint8_t {
    kZoneOp,                  // ZonedQueue::zone_op(op, sector) or zone_op_all(op)
    kSetDescriptorExtension,  // only decoded when ZDES > 0 (never for from() namespaces)
  };
  Kind kind = Kind::kZoneOp;
  uint8_t zsa = 0;
  zoned::ZoneOp op = zoned::ZoneOp::kOpen;  // for kZoneOp
  bool select_all = false;  // SLBA ignored: every zone select_all_applies() to
  uint64_t slba = 0;        // zone start, LBA (0 with select_all)
  uint64_t sector = 0;      // the same in sectors: zone_op()'s argument
};

// The engine op of ZSA 01h close, 02h finish, 03h open, 04h reset, 05h
// offline; false for any other value.
bool zone_op_from_zsa(uint8_t zsa, zoned::ZoneOp& op);

// Decodes and checks a Zone Management Send, in QEMU's order:
//   without Select All: SLBA >= NSZE          generic 80h LBA Out of Range
//   without Select All: SLBA not a zone start Invalid Field
//   ZSA 10h with Select All, or ZDES 0        Invalid Field
//   ZSA 11h (ZRWA flush; OZCS.ZRWASUP is 0)   B6h Invalid Zone Operation Request
//   ZSA 03h with ZSASO (ZRWA allocation)      B6h Invalid Zone Operation Request
//   any other ZSA                             Invalid Field
// Select All (ZNS Zone Management Send, Select All bit),
// as zoned::select_all_applies() implements it and the tests check against
// the spec: close -> ZSIO and ZSEO zones; finish -> ZSIO, ZSEO, ZSC; open ->
// ZSC; reset -> ZSIO, ZSEO, ZSC, ZSF; offline -> ZSRO. Zones in other states
// are skipped, not errors. Single-zone results come from the engine
// (zoned_status(): e.g. open of a FULL zone is BFh, offline of a zone that
// is not READ ONLY is BFh).
// A successful Reset completes with CQE DW0 = 0 (ZCAPC: zone capacity never
// changes here).
std::variant<ZoneSendCommand, Status> decode_zone_send(const Sqe& sqe, const ZnsNamespace& ns);

// --- Zone Append (7Dh) ------------------------------------------------------------------

// CDW10-11 ZSLBA; CDW12 NLB 15:0 (0's based), PIREMAP 25, PRINFO 29:26, FUA
// 30, LR 31. Data through the DPTR like a Write.
struct ZoneAppendCommand {
  uint64_t zslba = 0;        // LBA
  uint64_t zone_sector = 0;  // the same in sectors: ZonedQueue::append's argument
  uint32_t nlb = 0;          // LBAs, 1's based (1..65536)
  uint64_t bytes = 0;        // nlb * lba_bytes: the data length to map
  bool fua = false;          // Force Unit Access (the controller flushes, as for Write)
};

// The Zone Append size limit in bytes for ZASL `zasl` and MDTS `mdts` (both
// powers of two of 4 KiB pages; ZASL 0 = MDTS; MDTS 0 = no limit ->
// UINT64_MAX).
uint64_t zone_append_limit_bytes(uint8_t zasl, uint8_t mdts);

// The ZASL to advertise for namespaces whose smallest max append size is
// `max_append_bytes` (ZonedDevice::max_append_sectors() * 512) under MDTS
// `mdts`: 0 (= MDTS) when MDTS is the smaller limit, else the largest n >= 1
// with 4 KiB << n <= max_append_bytes. Throws std::invalid_argument when that
// is below 8 KiB (ZASL cannot say 4 KiB: 0 means MDTS): a setup error.
uint8_t zone_append_size_limit(uint64_t max_append_bytes, uint8_t mdts);

// Decodes and checks a Zone Append, in QEMU's order:
//   ZSLBA + NLB beyond NSZE (overflow-safe)   generic 80h LBA Out of Range
//   ZSLBA not a zone start                    Invalid Field
//   data > append_limit_bytes                 Invalid Field (ZNS Zone Append: above ZASL)
// (FUSE/PSDT and the PRP mapping with its MDTS check are the controller's,
// as for every I/O command. PRINFO/PIREMAP are ignored: the namespace has no
// protection information. Zone condition, capacity boundary and resources
// are the engine's, through zoned_status().)
std::variant<ZoneAppendCommand, Status> decode_zone_append(const Sqe& sqe, const ZnsNamespace& ns,
                                                           uint64_t append_limit_bytes);

// Puts the Assigned LBA (ALBA, in LBAs) of a successful Zone Append into the
// completion: bits 31:0 in DW0, 63:32 in DW1 (ZNS figure "Zone Append -
// Completion Queue Entry Dword 0 and Dword 1"; Linux reads the 64-bit
// result). `appended_sector` is what ZonedQueue::append's callback got.
void set_zone_append_result(const ZnsNamespace& ns, uint64_t appended_sector, Cqe& cqe);

// --- How the controller uses this ------------------------------------------------------
// At setup, per namespace whose namespace_csi() is csi::kZoned: check
// zns_incompatibility(), build a ZnsNamespace; set AdminCapabilities'
// zoned_command_set, zoned_io_opcodes = kZonedIoOpcodes and
// zone_append_size_limit = zone_append_size_limit(min max append, mdts).
// I/O queue, opcode on a zoned namespace (on an NVM namespace: Invalid
// Command Opcode):
//   7Ah  decode_zone_receive(sqe, ns, 4096 << mdts) -> on success
//        zone_management_receive(ns, cmd); copy reply.data through the
//        PRPs mapped for cmd.bytes and zero the rest; synchronous.
//   79h  decode_zone_send(sqe, ns) -> kZoneOp: select_all ?
//        zone_op_all(op, cb) : zone_op(op, sector, cb); cb's ZoneStatus ->
//        zoned_status(s, false).
//   7Dh  decode_zone_append(sqe, ns, zone_append_limit_bytes(zasl, mdts)) ->
//        map cmd.bytes of PRPs -> ZonedQueue::append(zone_sector, data, cb);
//        cb(kOk, sector) -> set_zone_append_result(ns, sector, cqe); else
//        zoned_status(s, false).
//   01h/02h/08h  as on NVM namespaces, with zoned_status() for the result.

}  // namespace zvmm::nvme

// The I/O commands (NVM Command Set Specification 1.0, section 3.2;
// /work/shared/notes/nvme-zns.md section 6.1; and on zoned namespaces the
// Zoned Namespace Command Set's, zns_commands.h) decoded and validated
// against a namespace and guest memory. Execution (ZonedQueue calls,
// completions) is IoSubmissionQueue's (io_sq.h); this file has no state.
//
// Commands (CDW fields as the spec names them):
//   00h Flush            NSID may be FFFFFFFFh (every namespace)
//   01h Write, 02h Read  CDW10-11 SLBA, CDW12 NLB 15:0 (0's based); data by
//                        PRP1/PRP2 (map_prps: guest pages as segments, no copy)
//   08h Write Zeroes     CDW10-11 SLBA, CDW12 NLB 15:0 (0's based), DEAC bit 25
//                        (deallocation allowed: zvmm writes zeros either way,
//                        which is what reads return after deallocation too);
//                        no data, not bounded by MDTS
//   09h Dataset Mgmt     CDW10 NR 7:0 (0's based range count), CDW11 AD bit 2;
//                        NR + 1 ranges of 16 bytes (context attributes 4, NLB 4
//                        (1's based), SLBA 8) read through PRP1/PRP2. Without AD
//                        the command is a hint and succeeds with no effect.
//   79h Zone Management Send, 7Ah Zone Management Receive, 7Dh Zone Append:
//                        zoned (CSI 02h) namespaces only; decoded by
//                        zns_commands.h (decode_zone_send/receive/append).
//                        Zone Management Receive's data is mapped for the
//                        whole transfer (NUMD), the report built by the SQ.
// A zoned namespace is usable only while the I/O command sets are selected
// (CC.CSS = 110b, ZonedIoSettings::enabled): with CC.CSS = 000b (NVM only)
// it is treated as an inactive namespace, as QEMU does (nvme_csi_supported:
// a zoned namespace is attached only when CC.CSS selects all I/O command
// sets; Identify lists it only then too, see the controller).
// Errors (all with DNR; Linux retries any error without DNR 5 times):
//   FUSE != 0 or PSDT != 0 (SGLS is 0)          02h Invalid Field in Command
//   unknown opcode; 79h/7Ah/7Dh on an NVM namespace   01h Invalid Command Opcode
//   NSID absent (or FFFFFFFFh but for Flush), or a zoned namespace while
//   CC.CSS is 000b                               0Bh Invalid Namespace or Format
//   SLBA + NLB beyond NSZE (overflow-safe)       80h LBA Out of Range
//   write/WZ/DSM/append/zone send to a read-only namespace
//                                                20h Namespace is Write Protected
//   PRP errors                                   map_prps' status (02h MDTS, 04h, 13h)
//   ZNS field errors                             zns_commands.h's decoders
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "devices/nvme/controller_config.h"
#include "devices/nvme/nvme_command.h"
#include "devices/nvme/prp.h"
#include "devices/nvme/zns_commands.h"
#include "vmm/guest_memory.h"
#include "zoned/zone_status.h"
#include "zoned/zoned_device.h"

namespace zvmm::nvme {

// A namespace as the I/O commands see it (constant while the controller lives).
struct IoNamespace {
  uint32_t nsid = 0;
  zoned::ZonedDevice* device = nullptr;
  uint32_t lba_bytes = 512;  // the LBA format's data size (the device's logical block size)
  uint64_t nsze = 0;         // NSZE [LBAs]
  bool read_only = false;
  // Set for a zoned namespace (namespace_csi() is csi::kZoned): the ZNS
  // commands are served and every engine result goes through zoned_status().
  std::optional<ZnsNamespace> zns;
  // `config.device` must be set (ControllerConfig::validate()); `zoned`:
  // the namespace is a CSI 02h one (namespace_csi()).
  static IoNamespace from(const NamespaceConfig& config, bool zoned = false);
  uint64_t sector(uint64_t lba) const { return lba * (lba_bytes / zoned::kSectorSize); }
};

// The controller state the zoned I/O commands depend on.
struct ZonedIoSettings {
  // CC.CSS = 110b: zoned namespaces are usable (else they act as inactive).
  bool enabled = false;
  // The Zone Append size limit, bytes: zone_append_limit_bytes(ZASL, MDTS).
  uint64_t append_limit_bytes = 0;
};

// Engine results become completion statuses through ONE mapping on every
// namespace: zoned_status() (zns_commands.h; table in docs/zoned-model.md
// "Error mapping"). On an NVM namespace (a plain device, model none: every
// zone conventional) the engine only produces kOk, range, alignment and I/O
// errors, so the zone-specific codes (SCT 1 B6h..BFh) cannot occur there.

// One Dataset Management range.
struct DsmRange {
  uint32_t attributes = 0;
  uint32_t nlb = 0;  // LBAs (1's based; 0 = nothing)
  uint64_t slba = 0;
};

// What a valid I/O command does.
struct IoOp {
  enum Kind : uint8_t {
    kRead,
    kWrite,
    kFlush,        // ns null: every namespace (NSID FFFFFFFFh)
    kWriteZeroes,  // sector, bytes
    kDeallocate,   // the ranges (LBA units) in `ranges`
    kNothing,      // succeeds at once (DSM without AD, zero-range hints)
    kZoneSend,     // zone_op on the zone at `sector`, or on every zone (select_all)
    kZoneReceive,  // `receive`; the transfer (receive.bytes) mapped in `iov`
    kZoneAppend,   // sector = the zone start, bytes; data in `iov`
  };
  Kind kind = kNothing;
  const IoNamespace* ns = nullptr;
  uint64_t sector = 0;  // 512-byte sectors
  uint64_t bytes = 0;
  zoned::ZoneOp zone_op = zoned::ZoneOp::kOpen;  // kZoneSend
  bool select_all = false;                       // kZoneSend
  ZoneReceiveCommand receive = {};               // kZoneReceive
};

// Decodes and validates `sqe` for `namespaces` (in any order). On success the
// data segments are in `iov` (reads, writes, appends, zone receive) and the
// DSM ranges in `ranges` (both cleared first, capacity kept). Never throws
// on guest input.
std::variant<IoOp, Status> decode_io_command(const Sqe& sqe, std::span<const IoNamespace> namespaces,
                                             const GuestMemory& mem, const PrpLimits& limits,
                                             const ZonedIoSettings& zoned, std::vector<iovec>& iov,
                                             std::vector<DsmRange>& ranges);

}  // namespace zvmm::nvme

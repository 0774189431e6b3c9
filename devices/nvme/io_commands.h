// The NVM command set's I/O commands (NVM Command Set Specification 1.0,
// section 3.2; /work/shared/notes/nvme-zns.md section 6.1) decoded and
// validated against a namespace and guest memory, and the one mapping from the
// zoned engine's result (zoned::ZoneStatus) to an NVMe completion status.
// Execution (ZonedQueue calls, completions) is IoSubmissionQueue's
// (io_sq.h); this file has no state.
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
// Errors (all with DNR; Linux retries any error without DNR 5 times):
//   FUSE != 0 or PSDT != 0 (SGLS is 0)          02h Invalid Field in Command
//   unknown opcode (also the ZNS ones: issue 12) 01h Invalid Command Opcode
//   NSID absent (or FFFFFFFFh but for Flush)     0Bh Invalid Namespace or Format
//   SLBA + NLB beyond NSZE (overflow-safe)       80h LBA Out of Range
//   write/WZ/DSM to a read-only namespace        20h Namespace is Write Protected
//   PRP errors                                   map_prps' status (02h MDTS, 04h, 13h)
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <span>
#include <variant>
#include <vector>

#include "devices/nvme/controller_config.h"
#include "devices/nvme/nvme_command.h"
#include "devices/nvme/prp.h"
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
  // `config.device` must be set (ControllerConfig::validate()).
  static IoNamespace from(const NamespaceConfig& config);
  uint64_t sector(uint64_t lba) const { return lba * (lba_bytes / zoned::kSectorSize); }
};

// The completion status for an engine result. `is_read`: the command read
// data (an I/O error is then 281h Unrecovered Read Error, else 280h Write
// Fault; neither with DNR: a backend error may be transient). The zone errors
// get the ZNS command specific codes (ZNS 1.1 figure "Status Code - Command
// Specific Status Values": B8h Zone Boundary Error, B9h Zone Is Full, BAh
// Zone Is Read Only, BBh Zone Is Offline, BCh Zone Invalid Write, BDh Too Many
// Active Zones, BEh Too Many Open Zones, BFh Invalid Zone State Transition),
// all with DNR; issue 12 decides the rest of ZNS here, in this one place.
Status nvme_status(zoned::ZoneStatus s, bool is_read);

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
  };
  Kind kind = kNothing;
  const IoNamespace* ns = nullptr;
  uint64_t sector = 0;  // 512-byte sectors
  uint64_t bytes = 0;
};

// Decodes and validates `sqe` for `namespaces` (in any order). On success the
// data segments are in `iov` (reads, writes) and the DSM ranges in `ranges`
// (both cleared first, capacity kept). Never throws on guest input.
std::variant<IoOp, Status> decode_io_command(const Sqe& sqe, std::span<const IoNamespace> namespaces,
                                             const GuestMemory& mem, const PrpLimits& limits,
                                             std::vector<iovec>& iov, std::vector<DsmRange>& ranges);

}  // namespace zvmm::nvme

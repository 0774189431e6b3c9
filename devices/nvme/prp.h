// The PRP walker: turns an NVMe command's PRP data pointer into host segments
// (struct iovec) over guest memory, for the zoned storage contract
// (zoned::Segments). NVMe Base Specification 2.0, section 4.1.1 "Physical
// Region Page Entry and List"; the rules as zvmm enforces them are in
// docs/nvme.md and /work/shared/notes/nvme-zns.md section 3.2.
//
// Units: addresses are guest physical addresses (GPAs), lengths are bytes. The
// controller's memory page size is fixed at 4 KiB (CC.MPS 0, the only value
// Linux writes; the controller advertises CAP.MPSMIN = CAP.MPSMAX = 0).
//
// Shapes of a PRP data pointer (len = transfer length, off = PRP1 mod 4096):
//   1. len <= 4096 - off:          PRP1 alone; PRP2 is not used (not read).
//   2. the rest fits in one page:  PRP2 is that page's address (offset 0).
//   3. otherwise:                  PRP2 points to a PRP list: 8-byte little-
//      endian entries, one per remaining page, each a page address (offset 0).
//      PRP2 may have an offset (qword aligned; Linux puts lists of up to 32
//      entries in 256-byte chunks); the list then has (4096 - offset) / 8 slots
//      in that page. When more pages remain than the slots left in a list page,
//      the page's last slot points to the next list page (offset 0, 512 slots).
//
// Every error is an NVMe Generic Command Status (nvme_status.h), and all of
// them are permanent (the caller completes the command with DNR set):
//   kInvalidField (02h)       length above MDTS (Identify Controller MDTS).
//   kInvalidPrpOffset (13h)   PRP1 bits 1:0 not 0; PRP2 as a data page with an
//                             offset; PRP2 as a list pointer not qword aligned;
//                             a list entry or chain pointer with an offset
//                             (section 4.1.1: only PRP1 and the first list
//                             pointer may have one).
//   kDataTransferError (04h)  a data page or a list not wholly inside guest RAM
//                             (the MMIO hole, device BARs, beyond RAM, 64-bit
//                             wrap); a list chain that comes back to a list it
//                             already read (a loop).
// The walk never reads or hands out a byte outside guest RAM: every access goes
// through GuestMemory::slice() (RAM regions are whole pages, so a data page
// whose used bytes are in RAM lies wholly in RAM). The walk is bounded by the
// transfer length, whatever the guest put in its lists: every list page after
// the first yields 511 data pages (or the last ones), so a transfer of P pages
// after PRP1 reads at most 1 + ceil(P / 511) list pages.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "devices/nvme/nvme_status.h"
#include "vmm/guest_memory.h"

namespace zvmm::nvme {

// The controller's memory page size, bytes (CC.MPS 0).
inline constexpr uint64_t kMemoryPageSize = 4096;
// PRP entries (8 bytes each) in one list page.
inline constexpr uint64_t kPrpEntriesPerPage = kMemoryPageSize / 8;
// Largest MDTS zvmm accepts: 2^16 pages, 256 MiB (the 16-bit NLB of a
// 4 KiB-block namespace). QEMU's default, and zvmm's plan, is 7 (512 KiB).
inline constexpr uint8_t kMaxMdts = 16;

// A command's data pointer (DPTR with PSDT 00b: CDW6-7 and CDW8-9) and the
// number of bytes the command transfers (e.g. (NLB + 1) * LBA size).
struct PrpDataPointer {
  uint64_t prp1 = 0;    // PRP Entry 1: GPA of the first data byte
  uint64_t prp2 = 0;    // PRP Entry 2: GPA of the second data page or of a PRP list
  uint64_t length = 0;  // bytes
};

// The transfer size limit the controller advertises (Identify Controller MDTS,
// byte 77): 2^mdts pages of CAP.MPSMIN (4 KiB).
class PrpLimits {
 public:
  // Throws std::invalid_argument unless 1 <= mdts <= kMaxMdts: zvmm always
  // advertises a finite MDTS (0, "no limit" in the spec, would leave a guest's
  // list walks and segment lists unbounded). A configuration error, not a
  // guest one.
  explicit PrpLimits(uint8_t mdts) : mdts_(mdts) {
    if (mdts < 1 || mdts > kMaxMdts) {
      throw std::invalid_argument("NVMe MDTS " + std::to_string(mdts) +
                                  " is outside 1.." + std::to_string(kMaxMdts));
    }
  }

  uint8_t mdts() const { return mdts_; }
  // Largest transfer, bytes.
  uint64_t max_transfer_bytes() const { return kMemoryPageSize << mdts_; }

 private:
  uint8_t mdts_;
};

// Why a data pointer was refused.
struct PrpError {
  GenericStatus status;   // the completion's Status Code (SCT 0h); never kSuccess
  std::string_view what;  // the rule broken (static text), e.g. "PRP list entry has an offset"
  uint64_t value;         // the offending value: a PRP entry, a GPA, or the length
  // "what (0x<value>)": for logs.
  std::string describe() const;
};

// Walks `dptr` into `out` (cleared first, its capacity kept, so a queue that
// reuses one vector allocates nothing per command in the steady state): host
// segments covering exactly dptr.length bytes of guest memory in transfer
// order. Pages adjacent in host memory are merged into one segment, so a
// physically contiguous buffer is one segment. A length of 0 succeeds with no
// segments and reads neither PRP field (commands without data). On error `out`
// is empty. Never throws on guest input.
std::optional<PrpError> map_prps(const GuestMemory& mem, const PrpDataPointer& dptr,
                                 const PrpLimits& limits, std::vector<iovec>& out);

}  // namespace zvmm::nvme

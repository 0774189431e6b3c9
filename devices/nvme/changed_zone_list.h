// The Changed Zone List log page (LID BFh, Zoned Namespace Command Set 1.1
// "Changed Zone List" log page, /work/shared/notes/nvme-zns.md section
// 5.9) of one zoned namespace, and the record behind it.
//
// Page (kChangedZoneListBytes = 4096, little-endian): Number of Zone
// Identifiers (NRZID) @0 (2 bytes), reserved 2..7, Zone Identifier list @8:
// up to kChangedZoneListMaxIds = 511 entries of 8 bytes, each the ZSLBA (in
// LBAs) of a zone whose descriptor changed, in the order first recorded,
// each zone once. More than 511 changed zones: NRZID = FFFFh and the list is
// all zero ("use Report Zones").
//
// "Changed" (ZNS): the controller changed the zone on its own: it went READ
// ONLY or OFFLINE by a device event (fault injection), or got ZFC/FZR/RZR
// set or cleared. Host-requested transitions are not recorded. Who records:
// whatever changes a zone behind the host's back (zvmm: the control
// socket's inject_condition) calls add() and, if the host enabled Zone
// Descriptor Changed notices (Async Event Configuration bit 27), the
// controller posts the AEN (Notice, info EFh, log page BFh) unless one is
// already outstanding.
//
// Read semantics: Get Log Page with RAE = 0 returns the page and clears the
// list (take_page(); the controller also unmasks the Zone Descriptor Changed
// event); RAE = 1 returns it and keeps it (page()).
//
// Thread-safe: a mutex (changes are rare); add() may run on any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_set>
#include <vector>

namespace zvmm::nvme {

inline constexpr size_t kChangedZoneListBytes = 4096;
inline constexpr size_t kChangedZoneListMaxIds = 511;
inline constexpr uint16_t kChangedZoneListOverflow = 0xffff;

class ChangedZoneList {
 public:
  // Records that the zone starting at `zslba` (LBAs) changed. A zone already
  // listed is not listed twice. Returns true when the list was empty before
  // (the first change since the last clearing read: the moment to post the
  // AEN).
  bool add(uint64_t zslba);
  // The page, leaving the list as it is (Get Log Page with RAE = 1).
  std::vector<uint8_t> page() const;
  // The page, then an empty list (Get Log Page with RAE = 0).
  std::vector<uint8_t> take_page();
  // Zones listed (0 .. kChangedZoneListMaxIds), and whether more changed.
  size_t size() const;
  bool overflowed() const;

 private:
  std::vector<uint8_t> page_locked() const;

  mutable std::mutex mu_;
  std::vector<uint64_t> ids_;           // in order of first change, <= 511
  std::unordered_set<uint64_t> seen_;   // the same ids, for de-duplication
  bool overflow_ = false;
};

}  // namespace zvmm::nvme

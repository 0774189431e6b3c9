// A small reference model of the zone state machine, written from the spec
// table rather than from the engine: conditions, write pointers, open/active
// limits with the engine's documented auto-close policy, statuses, and one
// salt per sector for data. Fixed geometry: kZones zones of kZoneSec sectors,
// kConv conventional, kCapSec capacity. Used by zone_model_test (random
// sequences) and zone_engine_fuzz (libFuzzer sequences).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "zoned/zone_status.h"
#include "zoned/zone_types.h"

namespace zvmm::zoned::ref_model {

using C = ZoneCondition;
using S = ZoneStatus;

constexpr uint32_t kZones = 12, kConv = 2;
constexpr uint64_t kZoneSec = 64, kCapSec = 48;

// ---- reference model (written from the spec table, not from the engine) ----
struct RefZone {
  C cond = C::kEmpty;
  uint64_t wp = 0;  // offset in zone
  bool non_seq = false;
};

struct RefDevice {
  bool host_aware;
  uint32_t max_open, max_active, lba;  // lba in sectors
  uint64_t max_append;
  std::vector<RefZone> z = std::vector<RefZone>(kZones);
  std::vector<uint32_t> data = std::vector<uint32_t>(kZones * kZoneSec, 0);  // salt per sector

  uint32_t count(bool (*pred)(C)) const {
    uint32_t n = 0;
    for (uint32_t i = kConv; i < kZones; ++i) n += pred(z[i].cond);
    return n;
  }
  // Acquire resources for `i` moving to an open condition.
  S acquire(uint32_t i, bool need_active) {
    if (need_active && max_active && count(is_active) >= max_active) {
      // Only an IMP_OPEN zone with no data can give an active slot back: closing
      // it makes it EMPTY (and frees its open slot too).
      for (uint32_t j = kConv; j < kZones; ++j) {
        if (j != i && z[j].cond == C::kImplicitOpen && z[j].wp == 0) {
          z[j].cond = C::kEmpty;
          return S::kOk;
        }
      }
      return S::kActiveResource;
    }
    if (max_open && count(is_open) >= max_open) {
      // Auto-close the lowest-numbered IMP_OPEN zone (engine's documented policy).
      for (uint32_t j = kConv; j < kZones; ++j) {
        if (j != i && z[j].cond == C::kImplicitOpen) {
          z[j].cond = z[j].wp == 0 ? C::kEmpty : C::kClosed;
          return S::kOk;
        }
      }
      return S::kOpenResource;
    }
    return S::kOk;
  }
  S write(uint64_t sector, uint64_t n, uint32_t salt, bool append, uint64_t* assigned) {
    uint32_t i = static_cast<uint32_t>(sector / kZoneSec);
    if (sector % lba || n % lba) return S::kMisaligned;
    if (sector >= kZones * kZoneSec || (!append && sector + n > kZones * kZoneSec)) return S::kOutOfRange;
    if (append) {
      if (i < kConv || host_aware) return S::kInvalidZoneOp;
      if (sector % kZoneSec) return S::kInvalidField;
      if (n > max_append) return S::kAppendTooLarge;
    }
    if (i < kConv) {
      if (sector + n > kConv * kZoneSec) return S::kBoundaryError;
      for (uint64_t s = sector; s < sector + n; ++s) data[s] = salt;
      return S::kOk;
    }
    RefZone& zone = z[i];
    if (zone.cond == C::kReadOnly) return S::kZoneReadOnly;
    if (zone.cond == C::kOffline) return S::kZoneOffline;
    // A FULL host-aware zone still takes (random) writes below its capacity.
    if (zone.cond == C::kFull && (!host_aware || append || sector % kZoneSec == kCapSec)) {
      return S::kZoneFull;
    }
    uint64_t off = append ? zone.wp : sector % kZoneSec;
    if (!host_aware && off != zone.wp) return S::kUnalignedWrite;
    if (off + n > kCapSec) return S::kBoundaryError;
    if (zone.cond == C::kEmpty || zone.cond == C::kClosed) {
      if (S st = acquire(i, zone.cond == C::kEmpty); st != S::kOk) return st;
      zone.cond = C::kImplicitOpen;
    }
    uint64_t base = i * kZoneSec;
    if (off != zone.wp) zone.non_seq = true;
    for (uint64_t s = zone.wp; s < off; ++s) data[base + s] = 0;  // gap reads as zeros
    for (uint64_t s = off; s < off + n; ++s) data[base + s] = salt;
    zone.wp = std::max(zone.wp, off + n);
    if (zone.wp == kCapSec) zone.cond = C::kFull;
    *assigned = base + off;
    return S::kOk;
  }
  S zone_op(ZoneOp op, uint64_t sector) {
    uint32_t i = static_cast<uint32_t>(sector / kZoneSec);
    if (sector % lba) return S::kMisaligned;
    if (sector >= kZones * kZoneSec) return S::kOutOfRange;
    if (i < kConv) return S::kInvalidZoneOp;
    if (sector % kZoneSec) return S::kInvalidField;
    RefZone& zone = z[i];
    if (zone.cond == C::kReadOnly || zone.cond == C::kOffline) return S::kInvalidTransition;
    switch (op) {
      case ZoneOp::kOpen:
        if (zone.cond == C::kFull) return S::kInvalidTransition;
        if (zone.cond == C::kEmpty || zone.cond == C::kClosed) {
          if (S st = acquire(i, zone.cond == C::kEmpty); st != S::kOk) return st;
        }
        zone.cond = C::kExplicitOpen;
        return S::kOk;
      case ZoneOp::kClose:
        if (zone.cond == C::kEmpty || zone.cond == C::kFull) return S::kInvalidTransition;
        if (is_open(zone.cond)) zone.cond = zone.wp == 0 ? C::kEmpty : C::kClosed;
        return S::kOk;
      case ZoneOp::kFinish:
        for (uint64_t s = zone.wp; s < kCapSec; ++s) data[i * kZoneSec + s] = 0;
        zone.cond = C::kFull;
        zone.wp = kCapSec;
        return S::kOk;
      case ZoneOp::kReset:
        if (zone.cond != C::kEmpty) zone = RefZone{};
        for (uint64_t s = 0; s < kZoneSec; ++s) data[i * kZoneSec + s] = 0;
        return S::kOk;
      case ZoneOp::kOffline:  // not modelled: neither user sends it
        break;
    }
    return S::kOk;
  }
  void reset_all() {
    for (uint32_t i = kConv; i < kZones; ++i) {
      if (is_active(z[i].cond) || z[i].cond == C::kFull) zone_op(ZoneOp::kReset, i * kZoneSec);
    }
  }
  S inject(uint32_t i, C cond) {
    if (i < kConv) return S::kInvalidZoneOp;
    if (z[i].cond == C::kOffline && cond == C::kReadOnly) return S::kInvalidTransition;
    z[i].cond = cond;
    return S::kOk;
  }
  uint64_t visible(uint32_t i) const {
    if (i < kConv) return kZoneSec;
    switch (z[i].cond) {
      case C::kEmpty: return 0;
      case C::kFull: return kCapSec;
      default: return z[i].wp;
    }
  }
};

}  // namespace zvmm::zoned::ref_model

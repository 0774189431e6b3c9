// On-disk encoding of one sequential zone's state: a single little-endian
// 64-bit word, so that one aligned store updates it atomically (a process
// killed mid-update leaves either the old or the new word, never a mix).
//
//   bits  0..39  write pointer offset from the zone start, in sectors
//   bits 40..43  condition (ZoneCondition)
//   bit     44   non_seq
//   bits 45..47  zero
//   bits 48..63  low 16 bits of crc32c(le32 zone index, le64 bits 0..47)
#pragma once

#include <cstdint>
#include <optional>

#include "zoned/zone_state_store.h"

namespace zvmm::zoned {

inline constexpr size_t kZoneSlotBytes = 8;

uint64_t encode_zone_slot(uint32_t zone, const PersistedZone& state);
// nullopt if the check bits or fields are invalid.
std::optional<PersistedZone> decode_zone_slot(uint32_t zone, uint64_t word);

}  // namespace zvmm::zoned

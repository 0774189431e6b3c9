#include "zoned/zone_slot.h"

#include <array>

#include "base/le.h"
#include "zoned/crc32c.h"

namespace zvmm::zoned {
namespace {

constexpr uint64_t kPayloadMask = (uint64_t{1} << 48) - 1;
constexpr uint64_t kWpMask = (uint64_t{1} << 40) - 1;

uint16_t check_bits(uint32_t zone, uint64_t payload) {
  std::array<uint8_t, 12> buf{};
  store_le<uint32_t>(buf, 0, zone);
  store_le<uint64_t>(buf, 4, payload & kPayloadMask);
  return static_cast<uint16_t>(crc32c(buf) & 0xffff);
}

}  // namespace

uint64_t encode_zone_slot(uint32_t zone, const PersistedZone& s) {
  uint64_t payload = (s.wp_offset & kWpMask) | (uint64_t{static_cast<uint8_t>(s.cond)} & 0xf) << 40 |
                     uint64_t{s.non_seq} << 44;
  return payload | uint64_t{check_bits(zone, payload)} << 48;
}

std::optional<PersistedZone> decode_zone_slot(uint32_t zone, uint64_t word) {
  const uint64_t payload = word & kPayloadMask;
  if (static_cast<uint16_t>(word >> 48) != check_bits(zone, payload)) return std::nullopt;
  if (payload >> 45) return std::nullopt;
  const auto cond = static_cast<uint8_t>((payload >> 40) & 0xf);
  if (!is_valid_condition(cond)) return std::nullopt;
  return PersistedZone{static_cast<ZoneCondition>(cond), ((payload >> 44) & 1) != 0, payload & kWpMask};
}

}  // namespace zvmm::zoned

#include "zoned/zone_types.h"

namespace zvmm::zoned {

bool matches(ZoneFilter filter, const ZoneDescriptor& zone) {
  switch (filter) {
    case ZoneFilter::kAll: return true;
    case ZoneFilter::kNonSeq: return zone.non_seq;
    case ZoneFilter::kNotWp: return zone.cond == ZoneCondition::kNotWp;
    default: return static_cast<uint8_t>(zone.cond) == static_cast<uint8_t>(filter) ||
                    (filter == ZoneFilter::kFull && zone.cond == ZoneCondition::kFull) ||
                    (filter == ZoneFilter::kReadOnly && zone.cond == ZoneCondition::kReadOnly) ||
                    (filter == ZoneFilter::kOffline && zone.cond == ZoneCondition::kOffline);
  }
}

bool is_valid_condition(uint8_t raw) {
  switch (raw) {
    case 0x0: case 0x1: case 0x2: case 0x3: case 0x4: case 0xD: case 0xE: case 0xF:
      return true;
    default:
      return false;
  }
}

std::string_view to_string(ZoneCondition c) {
  switch (c) {
    case ZoneCondition::kNotWp: return "not-wp";
    case ZoneCondition::kEmpty: return "empty";
    case ZoneCondition::kImplicitOpen: return "implicit-open";
    case ZoneCondition::kExplicitOpen: return "explicit-open";
    case ZoneCondition::kClosed: return "closed";
    case ZoneCondition::kReadOnly: return "read-only";
    case ZoneCondition::kFull: return "full";
    case ZoneCondition::kOffline: return "offline";
  }
  return "unknown";
}

std::string_view to_string(ZoneType t) {
  switch (t) {
    case ZoneType::kConventional: return "conventional";
    case ZoneType::kSequentialWriteRequired: return "seq-write-required";
    case ZoneType::kSequentialWritePreferred: return "seq-write-preferred";
  }
  return "unknown";
}

std::string_view to_string(ZonedModel m) {
  switch (m) {
    case ZonedModel::kNone: return "none";
    case ZonedModel::kHostManaged: return "host-managed";
    case ZonedModel::kHostAware: return "host-aware";
  }
  return "unknown";
}

std::string_view to_string(ZoneOp op) {
  switch (op) {
    case ZoneOp::kOpen: return "open";
    case ZoneOp::kClose: return "close";
    case ZoneOp::kFinish: return "finish";
    case ZoneOp::kReset: return "reset";
    case ZoneOp::kOffline: return "offline";
  }
  return "unknown";
}

bool select_all_applies(ZoneOp op, ZoneCondition c) {
  using C = ZoneCondition;
  switch (op) {
    case ZoneOp::kOpen: return c == C::kClosed;
    case ZoneOp::kClose: return is_open(c);
    case ZoneOp::kFinish: return is_active(c);
    case ZoneOp::kReset: return is_active(c) || c == C::kFull;
    case ZoneOp::kOffline: return c == C::kReadOnly;
  }
  return false;
}

}  // namespace zvmm::zoned

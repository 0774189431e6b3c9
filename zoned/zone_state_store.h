// Where the engine keeps the persistent part of each sequential zone's state.
// save() is called under the zone's lock on every change of condition, write
// pointer or non_seq flag, before the operation is reported complete; it must be
// visible to a later open even if the process is killed right after it returns.
#pragma once

#include <cstdint>
#include <vector>

#include "zoned/zone_types.h"

namespace zvmm::zoned {

struct PersistedZone {
  ZoneCondition cond = ZoneCondition::kEmpty;
  bool non_seq = false;
  uint64_t wp_offset = 0;  // sectors from the zone start

  bool operator==(const PersistedZone&) const = default;
};

class ZoneStateStore {
 public:
  virtual ~ZoneStateStore() = default;
  virtual PersistedZone load(uint32_t zone) const = 0;
  virtual void save(uint32_t zone, const PersistedZone& state) = 0;
  // Makes every save() durable (power-loss safe). Returns 0 or -errno.
  virtual int sync() = 0;
};

// RAM only: every zone starts EMPTY (what QEMU's ZNS emulation does).
class VolatileZoneStateStore final : public ZoneStateStore {
 public:
  explicit VolatileZoneStateStore(uint32_t nr_zones) : zones_(nr_zones) {}
  PersistedZone load(uint32_t zone) const override { return zones_.at(zone); }
  void save(uint32_t zone, const PersistedZone& state) override { zones_.at(zone) = state; }
  int sync() override { return 0; }

 private:
  std::vector<PersistedZone> zones_;
};

}  // namespace zvmm::zoned

// ZoneStateStore over the slot array of an image file, mapped MAP_SHARED.
// save() is one aligned 8-byte store into the page cache: it survives the
// process being killed as soon as it returns; sync() (msync) makes it survive
// power loss.
#pragma once

#include <cstdint>
#include <string>

#include "zoned/zone_state_store.h"

namespace zvmm::zoned {

class ZoneMetadataRegion final : public ZoneStateStore {
 public:
  // Maps `nr_zones` slots at `offset` (page aligned) of fd. With `verify`, every
  // slot's check bits are checked; throws ImageFormatError naming path and zone.
  ZoneMetadataRegion(int fd, uint64_t offset, uint32_t nr_zones, const std::string& path);
  ~ZoneMetadataRegion() override;
  ZoneMetadataRegion(const ZoneMetadataRegion&) = delete;
  ZoneMetadataRegion& operator=(const ZoneMetadataRegion&) = delete;

  PersistedZone load(uint32_t zone) const override;
  void save(uint32_t zone, const PersistedZone& state) override;
  int sync() override;

 private:
  uint64_t* slots() const { return static_cast<uint64_t*>(map_); }

  void* map_ = nullptr;
  size_t map_bytes_ = 0;
  uint32_t nr_zones_;
  std::string path_;
};

}  // namespace zvmm::zoned

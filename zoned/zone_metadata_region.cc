#include "zoned/zone_metadata_region.h"

#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "base/le.h"
#include "zoned/image_header.h"
#include "zoned/zone_slot.h"

namespace zvmm::zoned {
namespace {

uint64_t to_le_word(uint64_t v) {
  std::array<uint8_t, 8> b{};
  store_le<uint64_t>(b, 0, v);
  uint64_t w;
  std::memcpy(&w, b.data(), 8);
  return w;
}

uint64_t from_le_word(uint64_t w) {
  std::array<uint8_t, 8> b{};
  std::memcpy(b.data(), &w, 8);
  return load_le<uint64_t>(b);
}

}  // namespace

ZoneMetadataRegion::ZoneMetadataRegion(int fd, uint64_t offset, uint32_t nr_zones,
                                       const std::string& path)
    : nr_zones_(nr_zones), path_(path) {
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  map_bytes_ = (size_t{nr_zones} * kZoneSlotBytes + page - 1) / page * page;
  void* p = ::mmap(nullptr, map_bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, static_cast<off_t>(offset));
  if (p == MAP_FAILED) {
    throw std::system_error(errno, std::generic_category(), "mmap zone metadata of " + path);
  }
  map_ = p;
}

ZoneMetadataRegion::~ZoneMetadataRegion() {
  if (map_) ::munmap(map_, map_bytes_);
}

PersistedZone ZoneMetadataRegion::load(uint32_t zone) const {
  const uint64_t word = from_le_word(std::atomic_ref<uint64_t>(slots()[zone]).load(std::memory_order_relaxed));
  auto state = decode_zone_slot(zone, word);
  if (!state) {
    throw ImageFormatError(path_ + ": metadata slot of zone " + std::to_string(zone) +
                           " is corrupt (check bits mismatch)");
  }
  return *state;
}

void ZoneMetadataRegion::save(uint32_t zone, const PersistedZone& state) {
  std::atomic_ref<uint64_t>(slots()[zone]).store(to_le_word(encode_zone_slot(zone, state)),
                                                 std::memory_order_relaxed);
}

int ZoneMetadataRegion::sync() { return ::msync(map_, map_bytes_, MS_SYNC) < 0 ? -errno : 0; }

}  // namespace zvmm::zoned

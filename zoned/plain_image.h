// A plain (not zoned) disk over a raw file: sector s at byte 512*s, no header.
// Model ZonedModel::kNone: every "zone" is conventional, so the engine is a
// pass-through with range and alignment checks; nothing is persisted besides
// the data. This is what `--disk virtio-blk,file=IMG,zoned=none` opens.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "block/file_backend.h"
#include "zoned/zone_engine.h"
#include "zoned/zone_geometry.h"
#include "zoned/zone_state_store.h"

namespace zvmm::zoned {

class PlainImage {
 public:
  // The engine's internal "zone" size for plain disks (irrelevant to guests).
  static constexpr uint64_t kChunkBytes = 1ull << 30;

  // Opens `path`, creating a sparse file of `size_bytes` when it is missing.
  // An existing file keeps its size; a different `size_bytes` is an error.
  // Throws std::runtime_error naming the file.
  // `engine`: the engine's read-only flag and description (default "emulated PATH").
  static std::unique_ptr<PlainImage> open(const std::string& path, std::optional<uint64_t> size_bytes,
                                          block::FileBackendOptions options = {},
                                          std::optional<EngineOptions> engine = std::nullopt);
  // The image's engine as a standalone ZonedDevice that owns the image.
  static std::unique_ptr<ZoneEngine> into_device(std::unique_ptr<PlainImage> image);

  ZoneEngine& engine() { return *engine_; }
  block::FileBackend& backend() { return *file_; }

 private:
  PlainImage() = default;

  std::unique_ptr<block::FileBackend> file_;
  std::unique_ptr<VolatileZoneStateStore> store_;
  std::unique_ptr<ZoneEngine> engine_;
};

}  // namespace zvmm::zoned

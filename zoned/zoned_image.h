// A zoned device emulated over a regular file: header + zone slots + data
// (image_header.h). Owns the file backend, the metadata mapping and the engine
// (the ZonedDevice), until into_device() hands the engine the image.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "block/file_backend.h"
#include "zoned/image_header.h"
#include "zoned/zone_engine.h"
#include "zoned/zone_metadata_region.h"

namespace zvmm::zoned {

class ZonedImage {
 public:
  // Creates a sparse image with every sequential zone EMPTY. Refuses to
  // overwrite an existing file unless `overwrite`. Throws with context.
  static void create(const std::string& path, const ZoneGeometry& geometry, bool overwrite = false);
  // Opens an image. With `expected`, refuses (ImageFormatError) an image whose
  // geometry differs. Refuses corrupt headers or slots; never resets anything.
  // Takes an exclusive lock on the file (one user at a time).
  // `engine` sets the engine's read-only flag and description (default:
  // "emulated PATH").
  static std::unique_ptr<ZonedImage> open(const std::string& path,
                                          const std::optional<ZoneGeometry>& expected = std::nullopt,
                                          block::FileBackendOptions options = {},
                                          std::optional<EngineOptions> engine = std::nullopt);
  // The image's engine as a standalone ZonedDevice that owns the image.
  static std::unique_ptr<ZoneEngine> into_device(std::unique_ptr<ZonedImage> image);

  const ZoneGeometry& geometry() const { return engine_->geometry(); }
  ZoneEngine& engine() { return *engine_; }
  block::FileBackend& backend() { return *file_; }
  const ImageLayout& layout() const { return layout_; }

 private:
  ZonedImage() = default;

  ImageLayout layout_;
  std::unique_ptr<block::FileBackend> file_;
  std::unique_ptr<ZoneMetadataRegion> metadata_;
  std::unique_ptr<ZoneEngine> engine_;
};

}  // namespace zvmm::zoned

#include "zoned/plain_image.h"

#include <sys/stat.h>

#include <stdexcept>

namespace zvmm::zoned {

std::unique_ptr<PlainImage> PlainImage::open(const std::string& path,
                                             std::optional<uint64_t> size_bytes,
                                             block::FileBackendOptions options,
                                             std::optional<EngineOptions> engine) {
  struct stat st {};
  const bool exists = ::stat(path.c_str(), &st) == 0;
  std::unique_ptr<PlainImage> image(new PlainImage());  // private constructor
  if (exists) {
    if (size_bytes && *size_bytes != static_cast<uint64_t>(st.st_size)) {
      throw std::runtime_error(path + ": existing plain image is " + format_size(st.st_size) +
                               ", not the size=" + format_size(*size_bytes) + " asked for");
    }
    image->file_ = block::FileBackend::open(path, options);
  } else {
    if (!size_bytes) {
      throw std::runtime_error(path + " does not exist and no size was given to create it");
    }
    if (options.read_only) throw std::runtime_error(path + " does not exist (read-only device)");
    image->file_ = block::FileBackend::create(path, *size_bytes, options);
  }
  ZoneGeometry geometry;
  try {
    geometry = ZoneGeometry::from_config({.device_bytes = image->file_->size_bytes(),
                                          .zone_size_bytes = kChunkBytes,
                                          .model = ZonedModel::kNone});
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
  image->store_ = std::make_unique<VolatileZoneStateStore>(geometry.nr_zones());
  image->engine_ = std::make_unique<ZoneEngine>(
      geometry, *image->file_, 0, *image->store_,
      engine.value_or(EngineOptions{.description = "emulated " + path}));
  return image;
}

std::unique_ptr<ZoneEngine> PlainImage::into_device(std::unique_ptr<PlainImage> image) {
  std::unique_ptr<ZoneEngine> engine = std::move(image->engine_);
  engine->adopt(std::shared_ptr<PlainImage>(std::move(image)));
  return engine;
}

}  // namespace zvmm::zoned

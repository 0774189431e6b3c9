#include "zoned/zoned_image.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <thread>
#include <vector>

#include "base/le.h"
#include "zoned/zone_slot.h"

namespace zvmm::zoned {

void ZonedImage::create(const std::string& path, const ZoneGeometry& geometry, bool overwrite) {
  struct stat st {};
  if (!overwrite && ::stat(path.c_str(), &st) == 0) {
    throw std::runtime_error(path + " already exists (refusing to overwrite)");
  }
  const ImageLayout layout = image_layout(geometry);
  auto file = block::FileBackend::create(path, layout.file_bytes, {.use_io_uring = false});
  auto header = encode_image_header(geometry);
  std::vector<uint8_t> slots(layout.slots_bytes);
  for (uint32_t z = 0; z < geometry.nr_zones(); ++z) {
    store_le<uint64_t>(slots, size_t{z} * kZoneSlotBytes, encode_zone_slot(z, PersistedZone{}));
  }
  if (file->write(layout.slots_offset, slots) < 0 || file->write(0, header) < 0 || file->flush() < 0) {
    throw std::runtime_error("cannot write the metadata of " + path);
  }
}

std::unique_ptr<ZonedImage> ZonedImage::open(const std::string& path,
                                             const std::optional<ZoneGeometry>& expected,
                                             block::FileBackendOptions options,
                                             std::optional<EngineOptions> engine) {
  std::unique_ptr<ZonedImage> image(new ZonedImage());  // private constructor
  image->file_ = block::FileBackend::open(path, options);
  // A process that just died may hold the lock a little longer: its io_uring
  // instance drops its file references asynchronously. Wait up to a second.
  for (int attempt = 0; ::flock(image->file_->fd(), LOCK_EX | LOCK_NB) < 0; ++attempt) {
    if (errno != EWOULDBLOCK || attempt == 100) {
      throw std::runtime_error(path + " is in use by another process (locked)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::vector<uint8_t> header(kImageHeaderBytes);
  if (image->file_->size_bytes() < kImageHeaderBytes) {
    throw ImageFormatError(path + ": file too short for a zoned image header");
  }
  if (image->file_->read(0, header) < 0) throw std::runtime_error("cannot read " + path);
  ZoneGeometry geometry = decode_image_header(header, path);
  if (expected) {
    if (std::string diff = geometry.describe_differences(*expected); !diff.empty()) {
      throw ImageFormatError(path + ": geometry mismatch (image vs requested): " + diff);
    }
  }
  image->layout_ = image_layout(geometry);
  if (image->file_->size_bytes() < image->layout_.file_bytes) {
    throw ImageFormatError(path + ": truncated (" + std::to_string(image->file_->size_bytes()) +
                           " bytes, geometry needs " + std::to_string(image->layout_.file_bytes) + ")");
  }
  image->metadata_ = std::make_unique<ZoneMetadataRegion>(
      image->file_->fd(), image->layout_.slots_offset, geometry.nr_zones(), path);
  try {
    image->engine_ = std::make_unique<ZoneEngine>(
        geometry, *image->file_, image->layout_.data_offset, *image->metadata_,
        engine.value_or(EngineOptions{.description = "emulated " + path}));
  } catch (const ImageFormatError&) {
    throw;
  } catch (const std::runtime_error& e) {
    throw ImageFormatError(path + ": " + e.what());
  }
  return image;
}

std::unique_ptr<ZoneEngine> ZonedImage::into_device(std::unique_ptr<ZonedImage> image) {
  std::unique_ptr<ZoneEngine> engine = std::move(image->engine_);
  engine->adopt(std::shared_ptr<ZonedImage>(std::move(image)));
  return engine;
}

}  // namespace zvmm::zoned

// libFuzzer target: the zoned image header and zone-slot parser
// (ZonedImage::open). Every input starts from a freshly created valid image
// (16 zones of 1 MiB, 2 conventional, host-managed, 4 open / 6 active) and
// corrupts its metadata; open() must either refuse the file with a message or
// give an engine whose zones are consistent enough to serve a report, a write
// at each zone's write pointer, a read of each zone and a reset-all.
//
// Input layout: byte 0: bit 0 recompute the header crc32c after the patches
// (so the geometry checks behind it are reached), bit 1 open with the
// expected geometry, bit 2 truncate the file to u32 * 512 bytes, bit 3
// recompute every zone slot's check bits after the patches.
// Then patches up to the end: u16 offset (% metadata bytes: header + slots),
// u8 len, len bytes written there.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "base/le.h"
#include "block/file_backend.h"
#include "tools/fuzz/fuzz_input.h"
#include "zoned/crc32c.h"
#include "zoned/image_header.h"
#include "zoned/sync_zone_client.h"
#include "zoned/test_support.h"
#include "zoned/zoned_image.h"

namespace zvmm::zoned {
namespace {

constexpr uint64_t kMiB = 1 << 20;

ZoneGeometry geometry() {
  return ZoneGeometry::from_config({.device_bytes = 16 * kMiB,
                                    .zone_size_bytes = kMiB,
                                    .zone_capacity_bytes = 768 * 1024,
                                    .nr_conventional = 2,
                                    .max_open = 4,
                                    .max_active = 6,
                                    .max_append_bytes = 64 * 1024,
                                    .model = ZonedModel::kHostManaged});
}

void run(fuzz::Input& in) {
  static const std::string path = testing::temp_path("zoned_image_fuzz-" + std::to_string(getpid()) + ".img");
  static const ZoneGeometry g = geometry();
  static const ImageLayout layout = image_layout(g);
  ZonedImage::create(path, g, /*overwrite=*/true);
  const uint8_t mode = in.u8();
  const uint32_t truncate_to = in.u32();
  const uint64_t meta = layout.slots_offset + layout.slots_bytes;
  {
    auto file = block::FileBackend::open(path, {});
    std::vector<uint8_t> m(meta);
    if (file->read(0, m) < 0) __builtin_trap();
    int patches = 0;
    while (!in.empty() && patches++ < 64) {
      const uint64_t off = in.u16() % meta;
      const auto b = in.fixed(std::min<size_t>(in.u8(), meta - off));
      std::copy(b.begin(), b.end(), m.begin() + static_cast<ptrdiff_t>(off));
    }
    if (mode & 8) {  // re-seal every slot's check bits (bits 48..63, zone_slot.h)
      for (uint64_t o = layout.slots_offset, z = 0; o + 8 <= meta; o += 8, ++z) {
        const uint64_t low = load_le<uint64_t>(m, o) & ((uint64_t{1} << 48) - 1);
        uint8_t b[12];
        store_le<uint32_t>(b, 0, static_cast<uint32_t>(z));
        store_le<uint64_t>(b, 4, low);
        store_le<uint64_t>(m, o, low | uint64_t{crc32c(b) & 0xffff} << 48);
      }
    }
    if (mode & 1) {
      const uint32_t crc = crc32c(std::span<const uint8_t>(m).first(kImageHeaderBytes - 4));
      store_le<uint32_t>(m, kImageHeaderBytes - 4, crc);
    }
    if (file->write(0, m) < 0) __builtin_trap();
  }
  if (mode & 4) {
    if (::truncate(path.c_str(), static_cast<off_t>(uint64_t{truncate_to} * 512)) != 0) __builtin_trap();
  }
  std::unique_ptr<ZonedImage> image;
  try {
    image = ZonedImage::open(path, mode & 2 ? std::optional<ZoneGeometry>(g) : std::nullopt);
  } catch (const ImageFormatError& e) {
    if (std::string(e.what()).empty()) __builtin_trap();  // refused, with a message
    return;
  } catch (const std::runtime_error& e) {
    // e.g. "cannot read": also a refusal with a message.
    if (std::string(e.what()).empty()) __builtin_trap();
    return;
  }
  // Accepted: the engine must serve the zones it now believes in.
  ZoneEngine& engine = image->engine();
  const ZoneGeometry& ig = engine.geometry();
  if (ig.nr_zones() > 4096) return;  // a geometry this large is valid but slow to walk
  std::vector<ZoneDescriptor> zones(ig.nr_zones());
  const ZoneReport r = engine.report_zones(0, ZoneFilter::kAll, zones);
  if (r.status != ZoneStatus::kOk || r.count != ig.nr_zones()) __builtin_trap();
  SyncZoneClient c(engine, 4);
  const uint32_t lba = ig.config().logical_block_size;
  std::vector<uint8_t> buf(lba, 0x5a);
  for (uint32_t z = 0; z < ig.nr_zones() && z < 64; ++z) {
    const ZoneDescriptor d = engine.zone(z);
    if (d.wp < d.start + d.capacity) c.write(d.wp, buf);
    c.read(d.start, buf);
  }
  c.reset_all();
}

}  // namespace
}  // namespace zvmm::zoned

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  zvmm::fuzz::Input in(data, size);
  zvmm::zoned::run(in);
  return 0;
}

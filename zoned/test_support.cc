#include "zoned/test_support.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "block/sync_queue.h"

namespace zvmm::zoned::testing {

std::string temp_path(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

std::string fresh_temp_path(const std::string& name) {
  std::string p = temp_path(name);
  ::unlink(p.c_str());
  return p;
}

std::vector<uint8_t> pattern(uint64_t sector, size_t bytes, uint32_t salt) {
  std::vector<uint8_t> out(bytes);
  for (size_t off = 0; off < bytes; off += kSectorSize) {
    uint64_t s = sector + off / kSectorSize;
    uint64_t x = s * 0x9E3779B97F4A7C15ull ^ (uint64_t{salt} << 32 | salt);
    for (size_t i = 0; i < kSectorSize && off + i < bytes; i += 8) {
      x ^= x >> 29;
      x *= 0xBF58476D1CE4E5B9ull;
      std::memcpy(&out[off + i], &x, std::min<size_t>(8, bytes - off - i));
    }
    std::memcpy(&out[off], &s, 8);
  }
  return out;
}

int64_t first_mismatch(std::span<const uint8_t> data, uint64_t sector, uint32_t salt) {
  auto expected = pattern(sector, data.size(), salt);
  for (size_t off = 0; off < data.size(); off += kSectorSize) {
    if (std::memcmp(&data[off], &expected[off], kSectorSize) != 0) {
      return static_cast<int64_t>(sector + off / kSectorSize);
    }
  }
  return -1;
}

int64_t FaultyBackend::write(uint64_t o, std::span<const uint8_t> b) {
  if (o < to_ && o + b.size() > from_) return -EIO;
  return inner_.write(o, b);
}

std::unique_ptr<block::IoQueue> FaultyBackend::create_queue(unsigned) {
  return std::make_unique<block::SyncIoQueue>(*this);
}

long peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

void reset_peak_rss() {
  std::ofstream("/proc/self/clear_refs") << "5";
}

EngineFixture::EngineFixture(const ZoneGeometryConfig& config, const std::string& name)
    : geometry(ZoneGeometry::from_config(config)),
      file(block::FileBackend::create(temp_path(name), config.device_bytes)),
      store(geometry.nr_zones()),
      engine(std::make_unique<ZoneEngine>(geometry, *file, 0, store)) {}

SyncZoneClient EngineFixture::client() { return SyncZoneClient(*engine, 64); }

}  // namespace zvmm::zoned::testing

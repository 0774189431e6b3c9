// Test helpers: an engine over a temporary file, data patterns, a backend that
// fails chosen writes.
#pragma once

#include <atomic>
#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include "block/block_backend.h"
#include "block/file_backend.h"
#include "zoned/sync_zone_client.h"
#include "zoned/zone_engine.h"
#include "zoned/zoned_device.h"

namespace zvmm::zoned::testing {

std::string temp_path(const std::string& name);
// temp_path(name) with any file there removed.
std::string fresh_temp_path(const std::string& name);

// The what() of the exception f() throws; "" if it does not throw.
template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

// The process's peak resident set (VmHWM), in KiB; reset_peak_rss() starts a
// new measurement (/proc/self/clear_refs, Linux >= 4.0).
long peak_rss_kib();
void reset_peak_rss();

// Bytes whose content identifies (sector, salt) for every 512-byte sector.
std::vector<uint8_t> pattern(uint64_t sector, size_t bytes, uint32_t salt = 0);
// Index of the first sector that does not match, or -1.
int64_t first_mismatch(std::span<const uint8_t> data, uint64_t sector, uint32_t salt = 0);

// Forwards to another backend; writes overlapping [fail_from, fail_to) fail with -EIO.
class FaultyBackend final : public block::BlockBackend {
 public:
  explicit FaultyBackend(block::BlockBackend& inner) : inner_(inner) {}
  void fail_writes(uint64_t from, uint64_t to) { from_ = from, to_ = to; }
  // Discards fail with -EIO while set.
  void fail_discards(bool on) { fail_discards_ = on; }
  uint64_t size_bytes() const override { return inner_.size_bytes(); }
  int64_t read(uint64_t o, std::span<uint8_t> b) override { return inner_.read(o, b); }
  int64_t write(uint64_t o, std::span<const uint8_t> b) override;
  int flush() override { return inner_.flush(); }
  int discard(uint64_t o, uint64_t l) override { return fail_discards_ ? -EIO : inner_.discard(o, l); }
  bool memory_backed() const override { return memory_backed_ || inner_.memory_backed(); }
  std::unique_ptr<block::IoQueue> create_queue(unsigned depth) override;
  // Reports the backend as memory-backed (tmpfs-like) whatever holds the file.
  void set_memory_backed(bool on) { memory_backed_ = on; }

 private:
  block::BlockBackend& inner_;
  std::atomic<uint64_t> from_{0}, to_{0};
  std::atomic<bool> fail_discards_{false};
  bool memory_backed_ = false;
};

// A buffer with its one-segment list, for the ZonedQueue calls: both stay at
// the same address (keep it in a std::deque or a unique_ptr while in flight).
struct Buffer {
  explicit Buffer(std::vector<uint8_t> data) : bytes(std::move(data)), segment(bytes) {}
  Segments segments() const { return segment; }
  std::vector<uint8_t> bytes;
  block::OneSegment segment;  // not copyable: stays in place
};

// Engine over a fresh temporary file with RAM-only zone state.
struct EngineFixture {
  explicit EngineFixture(const ZoneGeometryConfig& config, const std::string& name = "engine.img");
  SyncZoneClient client();
  std::unique_ptr<ZonedQueue> queue(unsigned depth = 64) { return engine->open_queue(depth); }

  ZoneGeometry geometry;
  std::unique_ptr<block::FileBackend> file;
  VolatileZoneStateStore store;
  std::unique_ptr<ZoneEngine> engine;
};

}  // namespace zvmm::zoned::testing

// Blocking wrapper around a ZoneEngine or any ZonedDevice for one thread: owns
// an IoQueue and waits on it for each call. Used by tools, tests and
// benchmarks; devices with event loops use the submit_* calls directly.
#pragma once

#include <memory>

#include "block/io_queue.h"
#include "zoned/zone_engine.h"
#include "zoned/zoned_device.h"

namespace zvmm::zoned {

struct AppendResult {
  ZoneStatus status;
  uint64_t sector;  // assigned start sector when status is kOk
};

class SyncZoneClient {
 public:
  SyncZoneClient(ZoneEngine& engine, std::unique_ptr<block::IoQueue> queue);
  SyncZoneClient(ZonedDevice& device, std::unique_ptr<block::IoQueue> queue);

  ZoneStatus read(uint64_t sector, std::span<uint8_t> buf);
  ZoneStatus write(uint64_t sector, std::span<const uint8_t> buf);
  AppendResult append(uint64_t zone_sector, std::span<const uint8_t> buf);
  ZoneStatus zone_op(ZoneOp op, uint64_t zone_sector);
  ZoneStatus open(uint64_t s) { return zone_op(ZoneOp::kOpen, s); }
  ZoneStatus close(uint64_t s) { return zone_op(ZoneOp::kClose, s); }
  ZoneStatus finish(uint64_t s) { return zone_op(ZoneOp::kFinish, s); }
  ZoneStatus reset(uint64_t s) { return zone_op(ZoneOp::kReset, s); }
  // Select All (ZonedDevice::submit_zone_op_all).
  ZoneStatus zone_op_all(ZoneOp op);
  ZoneStatus reset_all() { return zone_op_all(ZoneOp::kReset); }
  ZoneStatus flush();

  block::IoQueue& queue() { return *queue_; }

 private:
  void wait_until(const bool& done);
  // Calls f with the engine or the device (same submit_* signatures).
  template <typename F>
  void dispatch(F&& f) {
    if (device_) f(*device_);
    else f(*engine_);
  }

  ZoneEngine* engine_ = nullptr;
  ZonedDevice* device_ = nullptr;
  std::unique_ptr<block::IoQueue> queue_;
};

}  // namespace zvmm::zoned

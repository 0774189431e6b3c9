// Blocking client of any ZonedDevice for one thread: owns one ZonedQueue and
// waits on it for each call. For tools, tests and benchmarks; front ends with
// event loops use ZonedQueue directly. Flat buffers are one-segment lists.
#pragma once

#include <memory>
#include <span>

#include "zoned/zoned_device.h"

namespace zvmm::zoned {

struct AppendResult {
  ZoneStatus status;
  uint64_t sector;  // assigned start sector when status is kOk
};

class SyncZoneClient {
 public:
  explicit SyncZoneClient(ZonedDevice& device, unsigned depth = 16);

  ZoneStatus read(uint64_t sector, std::span<uint8_t> buf);
  ZoneStatus write(uint64_t sector, std::span<const uint8_t> buf);
  AppendResult append(uint64_t zone_sector, std::span<const uint8_t> buf);
  ZoneStatus write_zeroes(uint64_t sector, uint64_t bytes);
  ZoneStatus discard(uint64_t sector, uint64_t bytes);
  ZoneStatus zone_op(ZoneOp op, uint64_t zone_sector);
  ZoneStatus open(uint64_t s) { return zone_op(ZoneOp::kOpen, s); }
  ZoneStatus close(uint64_t s) { return zone_op(ZoneOp::kClose, s); }
  ZoneStatus finish(uint64_t s) { return zone_op(ZoneOp::kFinish, s); }
  ZoneStatus reset(uint64_t s) { return zone_op(ZoneOp::kReset, s); }
  // Select All (ZonedQueue::zone_op_all).
  ZoneStatus zone_op_all(ZoneOp op);
  ZoneStatus reset_all() { return zone_op_all(ZoneOp::kReset); }
  ZoneStatus flush();

  ZonedQueue& queue() { return *queue_; }

 private:
  template <typename Result, typename Submit>
  Result call(Submit&& submit);

  std::unique_ptr<ZonedQueue> queue_;
};

}  // namespace zvmm::zoned

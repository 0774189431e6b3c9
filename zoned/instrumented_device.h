// A decorator over any ZonedDevice that every --disk goes through (vmm/disks.cc):
// I/O counters and fault injection in the device-neutral storage path, below
// both front ends (virtio-blk and NVMe call the same ZonedQueue) and above
// every backend (ZoneEngine over a zoned or plain image, HostZonedDevice).
// Neither front end knows it is there: an injected failure is a ZoneStatus,
// which each front end maps as it maps the engine's (docs/zoned-model.md:
// virtio-blk IOERR or its zone status, NVMe's SCT/SC).
//
// Counters: relaxed atomics bumped at submission (ops and bytes by kind);
// injected failures are counted separately. Costs one virtual call and a
// relaxed load per request when no fault is armed.
//
// Faults (FaultRule): a request matches when its operation class and its
// sector range [sector, sector + bytes/512) meet the rule's. A matching
// request with a failure status never reaches the inner device (so a failed
// write moves no write pointer) and completes, on the caller's queue thread,
// with that status, after delay_ms if given; with status kOk and a delay it
// runs normally and completes late. `count` limits how many requests a rule
// hits (then it disarms); `probability` hits that share of the matches.
// Rules are checked in the order added; the first that hits wins.
//
// Thread-safe: rules are added and cleared from any thread (the control
// socket's loop) while queues submit.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "zoned/zoned_device.h"

namespace zvmm::zoned {

struct IoCounters {
  uint64_t read_ops = 0, read_bytes = 0;
  uint64_t write_ops = 0, write_bytes = 0;    // writes and write zeroes
  uint64_t append_ops = 0, append_bytes = 0;
  uint64_t discard_ops = 0, flush_ops = 0;
  uint64_t zone_mgmt_ops = 0;                 // zone_op and zone_op_all
  uint64_t injected_errors = 0, injected_delays = 0;
};

enum class FaultOp : uint8_t {
  kRead,      // reads
  kWrite,     // writes, appends, write zeroes, discards
  kAny,       // kRead or kWrite
  kZoneMgmt,  // zone open/close/finish/reset/offline (one zone or all)
};

struct FaultRule {
  uint64_t sector = 0;   // first sector of the range
  uint64_t sectors = 0;  // length; 0: to the end of the device
  FaultOp op = FaultOp::kAny;
  ZoneStatus status = ZoneStatus::kIoError;  // kOk: only delay
  uint64_t count = 0;        // hits before the rule disarms; 0: unlimited
  double probability = 1.0;  // share of matching requests hit, (0, 1]
  uint32_t delay_ms = 0;
};

struct FaultState {
  uint32_t id = 0;
  FaultRule rule;
  uint64_t hits = 0;
  bool armed = true;  // false once `count` hits happened
};

class InstrumentedDevice final : public ZonedDevice {
 public:
  explicit InstrumentedDevice(std::unique_ptr<ZonedDevice> inner);
  ~InstrumentedDevice() override;

  ZonedDevice& inner() { return *inner_; }
  const ZonedDevice& inner() const { return *inner_; }

  const ZoneGeometry& geometry() const override { return inner_->geometry(); }
  bool read_only() const override { return inner_->read_only(); }
  std::string description() const override { return inner_->description(); }
  ZoneReport report_zones(uint64_t sector, ZoneFilter filter, std::span<ZoneDescriptor> out) override {
    return inner_->report_zones(sector, filter, out);
  }
  // Every public virtual of ZonedDevice is forwarded (a new one must be added here).
  void power_cycle_zones() override { inner_->power_cycle_zones(); }

  IoCounters counters() const;

  // Throws std::invalid_argument for a range outside the device, a
  // probability outside (0, 1], or a rule that would do nothing. Returns its id.
  uint32_t add_fault(const FaultRule& rule);
  // Removes every rule; returns how many there were.
  size_t clear_faults();
  std::vector<FaultState> faults() const;

 protected:
  std::unique_ptr<block::IoQueue> create_queue(unsigned depth) override;
  void read(block::IoQueue& q, uint64_t sector, Segments data, StatusCallback cb) override;
  void write(block::IoQueue& q, uint64_t sector, Segments data, WriteCallback cb) override;
  void append(block::IoQueue& q, uint64_t zone_sector, Segments data, WriteCallback cb) override;
  void write_zeroes(block::IoQueue& q, uint64_t sector, uint64_t bytes, WriteCallback cb) override;
  void discard(block::IoQueue& q, uint64_t sector, uint64_t bytes, StatusCallback cb) override;
  void flush(block::IoQueue& q, StatusCallback cb) override;
  void zone_op(block::IoQueue& q, ZoneOp op, uint64_t sector, StatusCallback cb) override;
  void zone_op_all(block::IoQueue& q, ZoneOp op, StatusCallback cb) override;

 private:
  struct Hit {
    ZoneStatus status;
    uint32_t delay_ms;
  };
  // The rule that hits a request of class `op` (kRead, kWrite or kZoneMgmt)
  // on [sector, sector + sectors), if any.
  std::optional<Hit> match(FaultOp op, uint64_t sector, uint64_t sectors);
  // Runs `fn` on q's thread after `delay_ms` (0: at its next drain).
  void later(block::IoQueue& q, uint32_t delay_ms, std::function<void()> fn);
  void timer_loop();

  std::unique_ptr<ZonedDevice> inner_;

  struct Counters {
    std::atomic<uint64_t> read_ops{0}, read_bytes{0}, write_ops{0}, write_bytes{0};
    std::atomic<uint64_t> append_ops{0}, append_bytes{0}, discard_ops{0}, flush_ops{0};
    std::atomic<uint64_t> zone_mgmt_ops{0}, injected_errors{0}, injected_delays{0};
  } counters_;

  std::atomic<bool> armed_{false};  // any armed rule: the fast path checks only this
  mutable std::mutex fault_mu_;
  std::vector<FaultState> faults_;
  uint32_t next_id_ = 1;
  std::mt19937_64 rng_{0x5eed};

  // Delayed completions: one timer thread, started by the first delay.
  struct Delayed {
    std::chrono::steady_clock::time_point due;
    block::IoQueue* q;
    std::function<void()> fn;
  };
  std::mutex timer_mu_;
  std::condition_variable timer_cv_;
  std::vector<Delayed> delayed_;
  bool timer_stop_ = false;
  std::thread timer_;
};

}  // namespace zvmm::zoned

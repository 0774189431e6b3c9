#include "zoned/instrumented_device.h"

#include <algorithm>
#include <stdexcept>

namespace zvmm::zoned {

namespace {
constexpr auto kRelaxed = std::memory_order_relaxed;

uint64_t sectors_of(uint64_t bytes) { return (bytes + kSectorSize - 1) / kSectorSize; }
}  // namespace

InstrumentedDevice::InstrumentedDevice(std::unique_ptr<ZonedDevice> inner) : inner_(std::move(inner)) {}

InstrumentedDevice::~InstrumentedDevice() {
  {
    std::lock_guard lock(timer_mu_);
    timer_stop_ = true;
  }
  timer_cv_.notify_all();
  if (timer_.joinable()) timer_.join();
}

IoCounters InstrumentedDevice::counters() const {
  const Counters& c = counters_;
  return {.read_ops = c.read_ops.load(kRelaxed), .read_bytes = c.read_bytes.load(kRelaxed),
          .write_ops = c.write_ops.load(kRelaxed), .write_bytes = c.write_bytes.load(kRelaxed),
          .append_ops = c.append_ops.load(kRelaxed), .append_bytes = c.append_bytes.load(kRelaxed),
          .discard_ops = c.discard_ops.load(kRelaxed), .flush_ops = c.flush_ops.load(kRelaxed),
          .zone_mgmt_ops = c.zone_mgmt_ops.load(kRelaxed),
          .injected_errors = c.injected_errors.load(kRelaxed),
          .injected_delays = c.injected_delays.load(kRelaxed)};
}

uint32_t InstrumentedDevice::add_fault(const FaultRule& rule) {
  const uint64_t end = capacity_sectors();
  if (rule.sector >= end) throw std::invalid_argument("sector " + std::to_string(rule.sector) + " is beyond the device (" + std::to_string(end) + " sectors)");
  if (rule.sectors > end - rule.sector) throw std::invalid_argument("the range ends beyond the device (" + std::to_string(end) + " sectors)");
  if (!(rule.probability > 0.0 && rule.probability <= 1.0)) throw std::invalid_argument("probability must be in (0, 1]");
  if (rule.status == ZoneStatus::kOk && rule.delay_ms == 0) throw std::invalid_argument("a rule without an error status needs a delay");
  std::lock_guard lock(fault_mu_);
  faults_.push_back({.id = next_id_++, .rule = rule});
  armed_.store(true, std::memory_order_release);
  return faults_.back().id;
}

size_t InstrumentedDevice::clear_faults() {
  std::lock_guard lock(fault_mu_);
  const size_t n = faults_.size();
  faults_.clear();
  armed_.store(false, std::memory_order_release);
  return n;
}

std::vector<FaultState> InstrumentedDevice::faults() const {
  std::lock_guard lock(fault_mu_);
  return faults_;
}

std::optional<InstrumentedDevice::Hit> InstrumentedDevice::match(FaultOp op, uint64_t sector, uint64_t sectors) {
  if (!armed_.load(std::memory_order_acquire)) return std::nullopt;
  std::lock_guard lock(fault_mu_);
  const uint64_t last = sector + std::max<uint64_t>(sectors, 1);  // a zone op covers its start sector
  for (FaultState& f : faults_) {
    if (!f.armed) continue;
    const FaultRule& r = f.rule;
    const bool op_matches = r.op == op || (r.op == FaultOp::kAny && op != FaultOp::kZoneMgmt);
    if (!op_matches) continue;
    const uint64_t r_end = r.sectors == 0 ? UINT64_MAX : r.sector + r.sectors;
    if (last <= r.sector || sector >= r_end) continue;
    if (r.probability < 1.0 && std::uniform_real_distribution<double>(0.0, 1.0)(rng_) >= r.probability) continue;
    ++f.hits;
    if (r.count != 0 && f.hits >= r.count) {
      f.armed = false;
      armed_.store(std::any_of(faults_.begin(), faults_.end(), [](const FaultState& s) { return s.armed; }),
                   std::memory_order_release);
    }
    if (r.status != ZoneStatus::kOk) counters_.injected_errors.fetch_add(1, kRelaxed);
    if (r.delay_ms != 0) counters_.injected_delays.fetch_add(1, kRelaxed);
    return Hit{r.status, r.delay_ms};
  }
  return std::nullopt;
}

void InstrumentedDevice::later(block::IoQueue& q, uint32_t delay_ms, std::function<void()> fn) {
  if (delay_ms == 0) return q.post(std::move(fn));
  {
    std::lock_guard lock(timer_mu_);
    if (!timer_.joinable()) timer_ = std::thread([this] { timer_loop(); });
    delayed_.push_back({std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms), &q, std::move(fn)});
  }
  timer_cv_.notify_all();
}

void InstrumentedDevice::timer_loop() {
  std::unique_lock lock(timer_mu_);
  while (true) {
    // At stop, deliver everything still waiting: a front end stopping waits
    // for every callback of its requests.
    const auto now = std::chrono::steady_clock::now();
    auto next = std::chrono::steady_clock::time_point::max();
    for (size_t i = 0; i < delayed_.size();) {
      if (timer_stop_ || delayed_[i].due <= now) {
        delayed_[i].q->post(std::move(delayed_[i].fn));
        delayed_[i] = std::move(delayed_.back());
        delayed_.pop_back();
      } else {
        next = std::min(next, delayed_[i].due);
        ++i;
      }
    }
    if (timer_stop_) return;
    if (next == std::chrono::steady_clock::time_point::max()) {
      timer_cv_.wait(lock);
    } else {
      timer_cv_.wait_until(lock, next);
    }
  }
}

std::unique_ptr<block::IoQueue> InstrumentedDevice::create_queue(unsigned depth) { return inner_->create_queue(depth); }

void InstrumentedDevice::read(block::IoQueue& q, uint64_t sector, Segments data, StatusCallback cb) {
  const uint64_t bytes = block::total_bytes(data);
  counters_.read_ops.fetch_add(1, kRelaxed);
  counters_.read_bytes.fetch_add(bytes, kRelaxed);
  if (const auto hit = match(FaultOp::kRead, sector, sectors_of(bytes))) {
    if (hit->status != ZoneStatus::kOk) {
      return later(q, hit->delay_ms, [cb = std::move(cb), s = hit->status] { cb(s); });
    }
    return inner_->read(q, sector, data, [this, &q, d = hit->delay_ms, cb = std::move(cb)](ZoneStatus s) mutable {
      later(q, d, [cb = std::move(cb), s] { cb(s); });
    });
  }
  inner_->read(q, sector, data, std::move(cb));
}

void InstrumentedDevice::write(block::IoQueue& q, uint64_t sector, Segments data, WriteCallback cb) {
  const uint64_t bytes = block::total_bytes(data);
  counters_.write_ops.fetch_add(1, kRelaxed);
  counters_.write_bytes.fetch_add(bytes, kRelaxed);
  if (const auto hit = match(FaultOp::kWrite, sector, sectors_of(bytes))) {
    if (hit->status != ZoneStatus::kOk) {
      return later(q, hit->delay_ms, [cb = std::move(cb), s = hit->status] { cb(s, 0); });
    }
    return inner_->write(q, sector, data, [this, &q, d = hit->delay_ms, cb = std::move(cb)](ZoneStatus s, uint64_t at) mutable {
      later(q, d, [cb = std::move(cb), s, at] { cb(s, at); });
    });
  }
  inner_->write(q, sector, data, std::move(cb));
}

void InstrumentedDevice::append(block::IoQueue& q, uint64_t zone_sector, Segments data, WriteCallback cb) {
  const uint64_t bytes = block::total_bytes(data);
  counters_.append_ops.fetch_add(1, kRelaxed);
  counters_.append_bytes.fetch_add(bytes, kRelaxed);
  // The sectors an append will take are not known yet: it matches on its zone.
  const uint64_t zone_len = std::max<uint64_t>(zone_sectors(), 1);
  if (const auto hit = match(FaultOp::kWrite, zone_sector, zone_len)) {
    if (hit->status != ZoneStatus::kOk) {
      return later(q, hit->delay_ms, [cb = std::move(cb), s = hit->status] { cb(s, 0); });
    }
    return inner_->append(q, zone_sector, data, [this, &q, d = hit->delay_ms, cb = std::move(cb)](ZoneStatus s, uint64_t at) mutable {
      later(q, d, [cb = std::move(cb), s, at] { cb(s, at); });
    });
  }
  inner_->append(q, zone_sector, data, std::move(cb));
}

void InstrumentedDevice::write_zeroes(block::IoQueue& q, uint64_t sector, uint64_t bytes, WriteCallback cb) {
  counters_.write_ops.fetch_add(1, kRelaxed);
  counters_.write_bytes.fetch_add(bytes, kRelaxed);
  if (const auto hit = match(FaultOp::kWrite, sector, sectors_of(bytes))) {
    if (hit->status != ZoneStatus::kOk) {
      return later(q, hit->delay_ms, [cb = std::move(cb), s = hit->status] { cb(s, 0); });
    }
    return inner_->write_zeroes(q, sector, bytes, [this, &q, d = hit->delay_ms, cb = std::move(cb)](ZoneStatus s, uint64_t at) mutable {
      later(q, d, [cb = std::move(cb), s, at] { cb(s, at); });
    });
  }
  inner_->write_zeroes(q, sector, bytes, std::move(cb));
}

void InstrumentedDevice::discard(block::IoQueue& q, uint64_t sector, uint64_t bytes, StatusCallback cb) {
  counters_.discard_ops.fetch_add(1, kRelaxed);
  if (const auto hit = match(FaultOp::kWrite, sector, sectors_of(bytes))) {
    if (hit->status != ZoneStatus::kOk) {
      return later(q, hit->delay_ms, [cb = std::move(cb), s = hit->status] { cb(s); });
    }
    return inner_->discard(q, sector, bytes, [this, &q, d = hit->delay_ms, cb = std::move(cb)](ZoneStatus s) mutable {
      later(q, d, [cb = std::move(cb), s] { cb(s); });
    });
  }
  inner_->discard(q, sector, bytes, std::move(cb));
}

void InstrumentedDevice::flush(block::IoQueue& q, StatusCallback cb) {
  counters_.flush_ops.fetch_add(1, kRelaxed);
  inner_->flush(q, std::move(cb));
}

void InstrumentedDevice::zone_op(block::IoQueue& q, ZoneOp op, uint64_t sector, StatusCallback cb) {
  counters_.zone_mgmt_ops.fetch_add(1, kRelaxed);
  if (const auto hit = match(FaultOp::kZoneMgmt, sector, 1)) {
    if (hit->status != ZoneStatus::kOk) {
      return later(q, hit->delay_ms, [cb = std::move(cb), s = hit->status] { cb(s); });
    }
    return inner_->zone_op(q, op, sector, [this, &q, d = hit->delay_ms, cb = std::move(cb)](ZoneStatus s) mutable {
      later(q, d, [cb = std::move(cb), s] { cb(s); });
    });
  }
  inner_->zone_op(q, op, sector, std::move(cb));
}

void InstrumentedDevice::zone_op_all(block::IoQueue& q, ZoneOp op, StatusCallback cb) {
  counters_.zone_mgmt_ops.fetch_add(1, kRelaxed);
  // Select All matches a zone-mgmt rule anywhere on the device.
  if (const auto hit = match(FaultOp::kZoneMgmt, 0, capacity_sectors())) {
    if (hit->status != ZoneStatus::kOk) {
      return later(q, hit->delay_ms, [cb = std::move(cb), s = hit->status] { cb(s); });
    }
    return inner_->zone_op_all(q, op, [this, &q, d = hit->delay_ms, cb = std::move(cb)](ZoneStatus s) mutable {
      later(q, d, [cb = std::move(cb), s] { cb(s); });
    });
  }
  inner_->zone_op_all(q, op, std::move(cb));
}

}  // namespace zvmm::zoned

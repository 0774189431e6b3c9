#include "zoned/sync_zone_client.h"

#include <sys/uio.h>

namespace zvmm::zoned {

namespace {

iovec segment(std::span<const uint8_t> buf) {
  return {const_cast<uint8_t*>(buf.data()), buf.size()};
}

}  // namespace

SyncZoneClient::SyncZoneClient(ZonedDevice& device, unsigned depth)
    : queue_(device.open_queue(depth)) {}

// Starts a request with `submit(cb)` and waits for its callback; returns
// what the callback stored.
template <typename Result, typename Submit>
Result SyncZoneClient::call(Submit&& submit) {
  bool done = false;
  Result result{};
  submit([&](auto... args) {
    result = Result{args...};
    done = true;
  });
  while (!done) queue_->wait();
  return result;
}

ZoneStatus SyncZoneClient::read(uint64_t sector, std::span<uint8_t> buf) {
  const iovec seg = segment(buf);
  return call<ZoneStatus>([&](auto cb) { queue_->read(sector, {&seg, 1}, cb); });
}

ZoneStatus SyncZoneClient::write(uint64_t sector, std::span<const uint8_t> buf) {
  const iovec seg = segment(buf);
  return call<AppendResult>([&](auto cb) { queue_->write(sector, {&seg, 1}, cb); }).status;
}

AppendResult SyncZoneClient::append(uint64_t zone_sector, std::span<const uint8_t> buf) {
  const iovec seg = segment(buf);
  return call<AppendResult>([&](auto cb) { queue_->append(zone_sector, {&seg, 1}, cb); });
}

ZoneStatus SyncZoneClient::write_zeroes(uint64_t sector, uint64_t bytes) {
  return call<AppendResult>([&](auto cb) { queue_->write_zeroes(sector, bytes, cb); }).status;
}

ZoneStatus SyncZoneClient::discard(uint64_t sector, uint64_t bytes) {
  return call<ZoneStatus>([&](auto cb) { queue_->discard(sector, bytes, cb); });
}

ZoneStatus SyncZoneClient::zone_op(ZoneOp op, uint64_t zone_sector) {
  return call<ZoneStatus>([&](auto cb) { queue_->zone_op(op, zone_sector, cb); });
}

ZoneStatus SyncZoneClient::zone_op_all(ZoneOp op) {
  return call<ZoneStatus>([&](auto cb) { queue_->zone_op_all(op, cb); });
}

ZoneStatus SyncZoneClient::flush() {
  return call<ZoneStatus>([&](auto cb) { queue_->flush(cb); });
}

}  // namespace zvmm::zoned

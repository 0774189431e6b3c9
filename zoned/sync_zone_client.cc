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

void SyncZoneClient::wait_until(const bool& done) {
  while (!done) queue_->wait();
}

ZoneStatus SyncZoneClient::read(uint64_t sector, std::span<uint8_t> buf) {
  bool done = false;
  ZoneStatus result{};
  const iovec seg = segment(buf);
  queue_->read(sector, {&seg, 1}, [&](ZoneStatus s) { result = s, done = true; });
  wait_until(done);
  return result;
}

ZoneStatus SyncZoneClient::write(uint64_t sector, std::span<const uint8_t> buf) {
  bool done = false;
  ZoneStatus result{};
  const iovec seg = segment(buf);
  queue_->write(sector, {&seg, 1}, [&](ZoneStatus s, uint64_t) { result = s, done = true; });
  wait_until(done);
  return result;
}

AppendResult SyncZoneClient::append(uint64_t zone_sector, std::span<const uint8_t> buf) {
  bool done = false;
  AppendResult result{};
  const iovec seg = segment(buf);
  queue_->append(zone_sector, {&seg, 1}, [&](ZoneStatus s, uint64_t assigned) {
    result = {s, assigned}, done = true;
  });
  wait_until(done);
  return result;
}

ZoneStatus SyncZoneClient::write_zeroes(uint64_t sector, uint64_t bytes) {
  bool done = false;
  ZoneStatus result{};
  queue_->write_zeroes(sector, bytes, [&](ZoneStatus s, uint64_t) { result = s, done = true; });
  wait_until(done);
  return result;
}

ZoneStatus SyncZoneClient::discard(uint64_t sector, uint64_t bytes) {
  bool done = false;
  ZoneStatus result{};
  queue_->discard(sector, bytes, [&](ZoneStatus s) { result = s, done = true; });
  wait_until(done);
  return result;
}

ZoneStatus SyncZoneClient::zone_op(ZoneOp op, uint64_t zone_sector) {
  bool done = false;
  ZoneStatus result{};
  queue_->zone_op(op, zone_sector, [&](ZoneStatus s) { result = s, done = true; });
  wait_until(done);
  return result;
}

ZoneStatus SyncZoneClient::zone_op_all(ZoneOp op) {
  bool done = false;
  ZoneStatus result{};
  queue_->zone_op_all(op, [&](ZoneStatus s) { result = s, done = true; });
  wait_until(done);
  return result;
}

ZoneStatus SyncZoneClient::flush() {
  bool done = false;
  ZoneStatus result{};
  queue_->flush([&](ZoneStatus s) { result = s, done = true; });
  wait_until(done);
  return result;
}

}  // namespace zvmm::zoned

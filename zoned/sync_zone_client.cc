#include "zoned/sync_zone_client.h"

namespace zvmm::zoned {

SyncZoneClient::SyncZoneClient(ZoneEngine& engine, std::unique_ptr<block::IoQueue> queue)
    : engine_(&engine), queue_(std::move(queue)) {}

SyncZoneClient::SyncZoneClient(ZonedDevice& device, std::unique_ptr<block::IoQueue> queue)
    : device_(&device), queue_(std::move(queue)) {}

void SyncZoneClient::wait_until(const bool& done) {
  while (!done) queue_->wait_completions();
}

ZoneStatus SyncZoneClient::read(uint64_t sector, std::span<uint8_t> buf) {
  bool done = false;
  ZoneStatus result{};
  auto cb = [&](ZoneStatus s) { result = s, done = true; };
  dispatch([&](auto& t) { t.submit_read(*queue_, sector, buf, cb); });
  wait_until(done);
  return result;
}

ZoneStatus SyncZoneClient::write(uint64_t sector, std::span<const uint8_t> buf) {
  bool done = false;
  ZoneStatus result{};
  auto cb = [&](ZoneStatus s, uint64_t) { result = s, done = true; };
  dispatch([&](auto& t) { t.submit_write(*queue_, sector, buf, cb); });
  wait_until(done);
  return result;
}

AppendResult SyncZoneClient::append(uint64_t zone_sector, std::span<const uint8_t> buf) {
  bool done = false;
  AppendResult result{};
  auto cb = [&](ZoneStatus s, uint64_t assigned) { result = {s, assigned}, done = true; };
  dispatch([&](auto& t) { t.submit_append(*queue_, zone_sector, buf, cb); });
  wait_until(done);
  return result;
}

ZoneStatus SyncZoneClient::zone_op(ZoneOp op, uint64_t zone_sector) {
  bool done = false;
  ZoneStatus result{};
  auto cb = [&](ZoneStatus s) { result = s, done = true; };
  dispatch([&](auto& t) { t.submit_zone_op(*queue_, op, zone_sector, cb); });
  wait_until(done);
  return result;
}

ZoneStatus SyncZoneClient::zone_op_all(ZoneOp op) {
  bool done = false;
  ZoneStatus result{};
  auto cb = [&](ZoneStatus s) { result = s, done = true; };
  dispatch([&](auto& t) { t.submit_zone_op_all(*queue_, op, cb); });
  wait_until(done);
  return result;
}

ZoneStatus SyncZoneClient::flush() {
  bool done = false;
  ZoneStatus result{};
  auto cb = [&](ZoneStatus s) { result = s, done = true; };
  dispatch([&](auto& t) { t.submit_flush(*queue_, cb); });
  wait_until(done);
  return result;
}

}  // namespace zvmm::zoned

#include "zoned/emulated_zoned_device.h"

#include <utility>
#include <vector>

namespace zvmm::zoned {
namespace {

void post_status(block::IoQueue& q, StatusCallback cb, ZoneStatus st) {
  q.post([cb = std::move(cb), st] { cb(st); });
}

void post_write_status(block::IoQueue& q, WriteCallback cb, ZoneStatus st) {
  q.post([cb = std::move(cb), st] { cb(st, 0); });
}

}  // namespace

EmulatedZonedDevice::EmulatedZonedDevice(std::unique_ptr<ZonedImage> image, std::string path,
                                         bool read_only)
    : image_(std::move(image)),
      engine_(image_->engine()),
      backend_(image_->backend()),
      path_(std::move(path)),
      read_only_(read_only) {}

EmulatedZonedDevice::EmulatedZonedDevice(std::unique_ptr<PlainImage> image, std::string path,
                                         bool read_only)
    : plain_(std::move(image)),
      engine_(plain_->engine()),
      backend_(plain_->backend()),
      path_(std::move(path)),
      read_only_(read_only) {}

EmulatedZonedDevice::EmulatedZonedDevice(ZoneEngine& engine, block::BlockBackend& backend,
                                         bool read_only)
    : engine_(engine), backend_(backend), path_("(borrowed engine)"), read_only_(read_only) {}

std::unique_ptr<block::IoQueue> EmulatedZonedDevice::create_queue(unsigned depth) {
  return backend_.create_queue(depth);
}

void EmulatedZonedDevice::submit_read(block::IoQueue& q, uint64_t sector, std::span<uint8_t> buf,
                                      StatusCallback cb) {
  engine_.submit_read(q, sector, buf, std::move(cb));
}

void EmulatedZonedDevice::submit_write(block::IoQueue& q, uint64_t sector,
                                       std::span<const uint8_t> buf, WriteCallback cb) {
  if (read_only_) return post_write_status(q, std::move(cb), ZoneStatus::kZoneReadOnly);
  engine_.submit_write(q, sector, buf, std::move(cb));
}

void EmulatedZonedDevice::submit_append(block::IoQueue& q, uint64_t zone_sector,
                                        std::span<const uint8_t> buf, WriteCallback cb) {
  if (read_only_) return post_write_status(q, std::move(cb), ZoneStatus::kZoneReadOnly);
  engine_.submit_append(q, zone_sector, buf, std::move(cb));
}

void EmulatedZonedDevice::submit_readv(block::IoQueue& q, uint64_t sector, block::IoVecs iov,
                                       StatusCallback cb) {
  engine_.submit_readv(q, sector, iov, std::move(cb));
}

void EmulatedZonedDevice::submit_writev(block::IoQueue& q, uint64_t sector, block::IoVecs iov,
                                        WriteCallback cb) {
  if (read_only_) return post_write_status(q, std::move(cb), ZoneStatus::kZoneReadOnly);
  engine_.submit_writev(q, sector, iov, std::move(cb));
}

void EmulatedZonedDevice::submit_appendv(block::IoQueue& q, uint64_t zone_sector,
                                         block::IoVecs iov, WriteCallback cb) {
  if (read_only_) return post_write_status(q, std::move(cb), ZoneStatus::kZoneReadOnly);
  engine_.submit_appendv(q, zone_sector, iov, std::move(cb));
}

void EmulatedZonedDevice::submit_write_zeroes(block::IoQueue& q, uint64_t sector, uint64_t bytes,
                                              WriteCallback cb) {
  if (read_only_) return post_write_status(q, std::move(cb), ZoneStatus::kZoneReadOnly);
  // Rare command: a zero buffer that lives until the completion.
  auto zeros = std::make_shared<std::vector<uint8_t>>(bytes);
  engine_.submit_write(q, sector, *zeros, [zeros, cb = std::move(cb)](ZoneStatus st, uint64_t s) {
    cb(st, s);
  });
}

void EmulatedZonedDevice::submit_discard(block::IoQueue& q, uint64_t sector, uint64_t bytes,
                                         StatusCallback cb) {
  if (read_only_) return post_status(q, std::move(cb), ZoneStatus::kZoneReadOnly);
  engine_.submit_discard(q, sector, bytes, std::move(cb));
}

void EmulatedZonedDevice::submit_flush(block::IoQueue& q, StatusCallback cb) {
  engine_.submit_flush(q, std::move(cb));
}

void EmulatedZonedDevice::submit_zone_op(block::IoQueue& q, ZoneOp op, uint64_t sector,
                                         StatusCallback cb) {
  if (read_only_) return post_status(q, std::move(cb), ZoneStatus::kZoneReadOnly);
  engine_.submit_zone_op(q, op, sector, std::move(cb));
}

void EmulatedZonedDevice::submit_zone_op_all(block::IoQueue& q, ZoneOp op, StatusCallback cb) {
  if (read_only_) return post_status(q, std::move(cb), ZoneStatus::kZoneReadOnly);
  engine_.submit_zone_op_all(q, op, std::move(cb));
}

ZoneReport EmulatedZonedDevice::report_zones(uint64_t sector, ZoneFilter filter,
                                             std::span<ZoneDescriptor> out) {
  return engine_.report_zones(sector, filter, out);
}

}  // namespace zvmm::zoned

// ZonedDevice over the zone engine: a zoned image file (ZonedImage), a plain
// raw file (PlainImage, model none), or any engine + backend pair (tests,
// benchmarks).
#pragma once

#include <memory>
#include <string>

#include "block/block_backend.h"
#include "zoned/plain_image.h"
#include "zoned/zone_engine.h"
#include "zoned/zoned_device.h"
#include "zoned/zoned_image.h"

namespace zvmm::zoned {

class EmulatedZonedDevice final : public ZonedDevice {
 public:
  // Owns the image.
  EmulatedZonedDevice(std::unique_ptr<ZonedImage> image, std::string path, bool read_only = false);
  // Owns a plain image.
  EmulatedZonedDevice(std::unique_ptr<PlainImage> image, std::string path, bool read_only = false);
  // Borrows an engine and its data backend (both must outlive the device).
  EmulatedZonedDevice(ZoneEngine& engine, block::BlockBackend& backend, bool read_only = false);

  const ZoneGeometry& geometry() const override { return engine_.geometry(); }
  bool read_only() const override { return read_only_; }
  std::string description() const override { return "emulated " + path_; }
  std::unique_ptr<block::IoQueue> create_queue(unsigned depth) override;

  void submit_read(block::IoQueue& q, uint64_t sector, std::span<uint8_t> buf,
                   StatusCallback cb) override;
  void submit_write(block::IoQueue& q, uint64_t sector, std::span<const uint8_t> buf,
                    WriteCallback cb) override;
  void submit_append(block::IoQueue& q, uint64_t zone_sector, std::span<const uint8_t> buf,
                     WriteCallback cb) override;
  void submit_write_zeroes(block::IoQueue& q, uint64_t sector, uint64_t bytes,
                           WriteCallback cb) override;
  void submit_discard(block::IoQueue& q, uint64_t sector, uint64_t bytes,
                      StatusCallback cb) override;
  void submit_flush(block::IoQueue& q, StatusCallback cb) override;
  void submit_zone_op(block::IoQueue& q, ZoneOp op, uint64_t sector, StatusCallback cb) override;
  void submit_zone_op_all(block::IoQueue& q, ZoneOp op, StatusCallback cb) override;
  ZoneReport report_zones(uint64_t sector, ZoneFilter filter,
                          std::span<ZoneDescriptor> out) override;
  // Segments go to the backend as they are (no bounce).
  bool scatter_gather() const override { return true; }
  void submit_readv(block::IoQueue& q, uint64_t sector, block::IoVecs iov,
                    StatusCallback cb) override;
  void submit_writev(block::IoQueue& q, uint64_t sector, block::IoVecs iov,
                     WriteCallback cb) override;
  void submit_appendv(block::IoQueue& q, uint64_t zone_sector, block::IoVecs iov,
                      WriteCallback cb) override;

  ZoneEngine& engine() { return engine_; }

 private:
  std::unique_ptr<ZonedImage> image_;  // null when borrowing or plain
  std::unique_ptr<PlainImage> plain_;  // null unless plain
  ZoneEngine& engine_;
  block::BlockBackend& backend_;
  std::string path_;
  bool read_only_;
};

}  // namespace zvmm::zoned

#include "zoned/zoned_device.h"

#include <algorithm>
#include <vector>

namespace zvmm::zoned {

namespace {

std::shared_ptr<std::vector<uint8_t>> gather(block::IoVecs iov) {
  auto buf = std::make_shared<std::vector<uint8_t>>();
  buf->reserve(block::total_bytes(iov));
  for (const iovec& s : iov) {
    const auto* p = static_cast<const uint8_t*>(s.iov_base);
    buf->insert(buf->end(), p, p + s.iov_len);
  }
  return buf;
}

}  // namespace

void ZonedDevice::submit_readv(block::IoQueue& q, uint64_t sector, block::IoVecs iov,
                               StatusCallback cb) {
  auto buf = std::make_shared<std::vector<uint8_t>>(block::total_bytes(iov));
  submit_read(q, sector, *buf, [buf, iov, cb = std::move(cb)](ZoneStatus st) {
    if (st == ZoneStatus::kOk) {
      size_t at = 0;
      for (const iovec& s : iov) {
        std::copy_n(buf->data() + at, s.iov_len, static_cast<uint8_t*>(s.iov_base));
        at += s.iov_len;
      }
    }
    cb(st);
  });
}

void ZonedDevice::submit_writev(block::IoQueue& q, uint64_t sector, block::IoVecs iov,
                                WriteCallback cb) {
  auto buf = gather(iov);
  submit_write(q, sector, *buf, [buf, cb = std::move(cb)](ZoneStatus st, uint64_t s) { cb(st, s); });
}

void ZonedDevice::submit_appendv(block::IoQueue& q, uint64_t zone_sector, block::IoVecs iov,
                                 WriteCallback cb) {
  auto buf = gather(iov);
  submit_append(q, zone_sector, *buf,
                [buf, cb = std::move(cb)](ZoneStatus st, uint64_t s) { cb(st, s); });
}

}  // namespace zvmm::zoned

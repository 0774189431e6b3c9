#include "devices/virtio/blk_queue.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "devices/virtio/blk_protocol.h"
#include "devices/virtio/blk_status.h"
#include "base/le.h"

namespace zvmm::virtio {

namespace st = blk::status;
namespace rq = blk::req;
using zoned::ZoneStatus;

namespace {

constexpr size_t kZeroChunk = 1 << 20;

std::span<const uint8_t> zeros(size_t n) {
  static const std::vector<uint8_t> buffer(kZeroChunk, 0);
  return std::span<const uint8_t>(buffer).first(std::min(n, kZeroChunk));
}

}  // namespace

struct BlkQueue::Request {
  DescriptorChain chain;
  bool in_flight = false;       // the device owns chain.head()
  uint32_t type = 0;
  uint64_t sector = 0;
  std::vector<iovec> iov;       // the data's guest segments
  uint64_t data_written = 0;    // device-writable data bytes produced (before the status)
  uint64_t append_sector = 0;
};

BlkQueue::BlkQueue(const BlkContext& ctx, uint16_t index, Virtqueue vq,
                   std::unique_ptr<zoned::ZonedQueue> io)
    : ctx_(ctx), index_(index), vq_(std::move(vq)), io_(std::move(io)), requests_(vq_.size()) {}

BlkQueue::~BlkQueue() { quiesce(); }

bool BlkQueue::negotiated(unsigned feature) const { return ctx_.features & bit(feature); }

// One pass per wakeup: every available chain is submitted in one batch (one
// io_uring_enter), then whatever already completed (page-cache hits finish
// inside the submit; a synchronous queue's always) is reaped in the same pass,
// so the batch costs one interrupt and no second wakeup. Under nested
// virtualization each wakeup, syscall and interrupt is expensive.
size_t BlkQueue::service() {
  const size_t before = started_;
  io_->plug();
  process_available();
  io_->unplug();
  // Completions may start more I/O (the engine's parked writes) that also
  // completes inline.
  do {
    process_completions();
  } while (io_->has_ready());
  notify();
  return started_ - before;
}

void BlkQueue::quiesce() {
  stopping_ = true;
  while (outstanding_ > 0) io_->wait();
}

void BlkQueue::process_completions() { io_->drain(); }

void BlkQueue::notify() {
  if (stopping_ || broken_) return;
  if (vq_.needs_interrupt()) ctx_.irq.signal_queue(index_);
}

void BlkQueue::break_queue(const std::string& reason) {
  std::fprintf(stderr, "virtio-blk: queue %u: %s; device needs reset\n", index_, reason.c_str());
  broken_ = true;
  ctx_.irq.set_needs_reset();
}

void BlkQueue::process_available() {
  if (stopping_ || broken_) return;
  do {
    for (;;) {
      auto popped = vq_.pop(next_chain_);
      if (std::holds_alternative<Virtqueue::Empty>(popped)) break;
      if (auto* b = std::get_if<Virtqueue::Broken>(&popped)) return break_queue(b->reason);
      const uint16_t head = std::holds_alternative<Virtqueue::Popped>(popped)
                                ? next_chain_.head()
                                : std::get<Virtqueue::BadChain>(popped).head;
      Request& r = requests_[head];  // head < queue size: checked by pop()
      if (r.in_flight) {
        // Its buffers are still in use by the device.
        return break_queue("descriptor " + std::to_string(head) +
                           " made available again while in flight");
      }
      if (!std::holds_alternative<Virtqueue::Popped>(popped)) {
        // No trustworthy status byte: hand the chain back with nothing written.
        vq_.add_used(head, 0);
        continue;
      }
      std::swap(r.chain, next_chain_);
      r.in_flight = true;
      r.type = 0;
      r.sector = 0;
      r.data_written = 0;
      r.append_sector = 0;
      ++started_;
      handle(r);
    }
  } while (vq_.enable_notification());
}

// ---- completion ----

void BlkQueue::finish(Request& r, uint8_t status) {
  r.in_flight = false;
  if (!stopping_) {  // after a reset the driver no longer owns these buffers
    const uint64_t w = r.chain.writable_bytes();
    uint64_t used = r.data_written + 1;
    if (r.type == rq::kZoneAppend && w >= blk::kAppendInHeaderMin) {
      // The whole writable part is the append in-header.
      uint8_t sector[8];
      store_le<uint64_t>(sector, 0, status == st::kOk ? r.append_sector : 0);
      r.chain.write(0, sector);
      used = w;
    }
    const uint8_t s[1] = {status};
    r.chain.write(w - 1, s);
    vq_.add_used(r.chain.head(), static_cast<uint32_t>(std::min<uint64_t>(used, w)));
  }
}

// ---- requests ----

void BlkQueue::handle(Request& r) {
  const DescriptorChain& c = r.chain;
  const uint64_t w = c.writable_bytes();
  if (w == 0 || w > UINT32_MAX) {
    // Nowhere to put the status (or a length the used ring cannot express).
    r.in_flight = false;
    vq_.add_used(c.head(), 0);
    return;
  }
  const uint64_t readable = c.readable_bytes();
  if (readable < blk::kOutHeaderSize) return finish(r, st::kIoErr);  // short header
  uint8_t hdr[blk::kOutHeaderSize];
  c.read(0, hdr);
  r.type = load_le<uint32_t>(hdr, 0);
  r.sector = load_le<uint64_t>(hdr, 8);

  const bool header_only = readable == blk::kOutHeaderSize;  // no readable payload
  const bool status_only = w == 1;                           // no writable payload
  const bool ro = ctx_.config.options().read_only;
  const bool zoned = negotiated(blk::feature::kZoned);
  const uint64_t capacity = ctx_.config.capacity_sectors();

  switch (r.type) {
    case rq::kIn:
      if (!header_only) return finish(r, st::kIoErr);  // data in the wrong direction
      return start_read(r);
    case rq::kOut:
      if (!status_only) return finish(r, st::kIoErr);
      if (ro) return finish(r, st::kIoErr);
      if (!map_guest_segments(r, false, blk::kOutHeaderSize, readable - blk::kOutHeaderSize)) {
        return finish(r, st::kIoErr);
      }
      return start_write(r, false);
    case rq::kFlush:
      if (!header_only || !status_only) return finish(r, st::kIoErr);
      return start_flush(r);
    case rq::kGetId: {
      if (!header_only) return finish(r, st::kIoErr);
      uint8_t id[blk::kIdBytes] = {};
      const std::string& serial = ctx_.config.options().serial;
      std::copy(serial.begin(), serial.end(), id);
      r.data_written = std::min<uint64_t>(blk::kIdBytes, w - 1);
      c.write(0, std::span<const uint8_t>(id, r.data_written));
      return finish(r, st::kOk);
    }
    case rq::kDiscard:
    case rq::kWriteZeroes: {
      const unsigned f = r.type == rq::kDiscard ? blk::feature::kDiscard : blk::feature::kWriteZeroes;
      if (!negotiated(f)) return finish(r, st::kUnsupp);
      if (!status_only || ro) return finish(r, st::kIoErr);
      return discard_or_write_zeroes(r);
    }
    case rq::kZoneAppend:
      if (!zoned) return finish(r, st::kUnsupp);
      if (w < blk::kAppendInHeaderMin || ro) return finish(r, st::kIoErr);
      if (r.sector >= capacity) return finish(r, st::kZoneInvalidCmd);
      if (!map_guest_segments(r, false, blk::kOutHeaderSize, readable - blk::kOutHeaderSize)) {
        return finish(r, st::kIoErr);
      }
      return start_write(r, true);
    case rq::kZoneReport:
      if (!zoned) return finish(r, st::kUnsupp);
      if (!header_only) return finish(r, st::kIoErr);
      return report_zones(r);
    case rq::kZoneOpen:
    case rq::kZoneClose:
    case rq::kZoneFinish:
    case rq::kZoneReset:
    case rq::kZoneResetAll:
      if (!zoned) return finish(r, st::kUnsupp);
      if (!header_only || !status_only || ro) return finish(r, st::kIoErr);
      if (r.type != rq::kZoneResetAll && r.sector >= capacity) {
        return finish(r, st::kZoneInvalidCmd);
      }
      return start_zone_op(r);
    default:
      return finish(r, st::kUnsupp);
  }
}

bool BlkQueue::map_guest_segments(Request& r, bool writable, uint64_t offset, uint64_t len) {
  if (len == 0 || len > ctx_.config.max_request_bytes()) return false;
  r.iov.clear();
  if (writable) r.chain.writable_iovecs(offset, len, r.iov);
  else r.chain.readable_iovecs(offset, len, r.iov);
  return true;
}

void BlkQueue::start_read(Request& r) {
  if (!map_guest_segments(r, true, 0, r.chain.writable_bytes() - 1)) return finish(r, st::kIoErr);
  ++outstanding_;
  io_->read(r.sector, r.iov, [this, rp = &r](ZoneStatus s) {  // two words: kept inline
    --outstanding_;
    if (s == ZoneStatus::kOk) rp->data_written = rp->chain.writable_bytes() - 1;
    finish(*rp, blk::to_virtio_status(s, true));
  });
}

void BlkQueue::start_write(Request& r, bool append) {
  ++outstanding_;
  auto cb = [this, rp = &r](ZoneStatus s, uint64_t sector) {
    --outstanding_;
    rp->append_sector = sector;
    finish(*rp, blk::to_virtio_status(s));
  };
  if (append) io_->append(r.sector, r.iov, std::move(cb));
  else io_->write(r.sector, r.iov, std::move(cb));
}

void BlkQueue::start_flush(Request& r) {
  ++outstanding_;
  io_->flush([this, rp = &r](ZoneStatus s) {
    --outstanding_;
    finish(*rp, blk::to_virtio_status(s));
  });
}

void BlkQueue::start_zone_op(Request& r) {
  ++outstanding_;
  auto cb = [this, rp = &r](ZoneStatus s) {
    --outstanding_;
    finish(*rp, blk::to_virtio_status(s));
  };
  zoned::ZoneOp op;
  switch (r.type) {
    case rq::kZoneOpen: op = zoned::ZoneOp::kOpen; break;
    case rq::kZoneClose: op = zoned::ZoneOp::kClose; break;
    case rq::kZoneFinish: op = zoned::ZoneOp::kFinish; break;
    case rq::kZoneReset: op = zoned::ZoneOp::kReset; break;
    default: return io_->zone_op_all(zoned::ZoneOp::kReset, std::move(cb));
  }
  io_->zone_op(op, r.sector, std::move(cb));
}

void BlkQueue::report_zones(Request& r) {
  namespace rep = blk::report;
  const uint64_t capacity = ctx_.config.capacity_sectors();
  if (r.sector >= capacity) return finish(r, st::kZoneInvalidCmd);
  const uint64_t bytes = r.chain.writable_bytes() - 1;
  if (bytes < rep::kHeaderSize || bytes > ctx_.config.max_request_bytes()) {
    return finish(r, st::kIoErr);
  }
  const auto& g = ctx_.device.geometry();
  const uint64_t remaining = g.nr_zones() - g.zone_index(r.sector);
  const uint64_t room = (bytes - rep::kHeaderSize) / rep::kDescriptorSize;
  std::vector<zoned::ZoneDescriptor> zones(std::min(room, remaining));
  const zoned::ZoneReport report = ctx_.device.report_zones(r.sector, zoned::ZoneFilter::kAll, zones);
  if (report.status != ZoneStatus::kOk) return finish(r, blk::to_virtio_status(report.status));
  const size_t n = std::min(report.count, zones.size());

  std::vector<uint8_t> out(rep::kHeaderSize + n * rep::kDescriptorSize, 0);
  store_le<uint64_t>(out, 0, n);
  for (size_t i = 0; i < n; ++i) {
    const size_t o = rep::kHeaderSize + i * rep::kDescriptorSize;
    store_le<uint64_t>(out, o + rep::kCap, zones[i].capacity);
    store_le<uint64_t>(out, o + rep::kStart, zones[i].start);
    store_le<uint64_t>(out, o + rep::kWp, zoned::wp_zone_end_if_full(zones[i]));
    out[o + rep::kType] = blk::zone_type(zones[i].type);
    out[o + rep::kState] = blk::zone_state(zones[i].cond);
  }
  r.chain.write(0, out);
  // The driver checks that the used length covers its whole buffer: zero the rest.
  for (uint64_t off = out.size(); off < bytes;) {
    const size_t n = r.chain.write(off, zeros(bytes - off));
    if (n == 0) break;
    off += n;
  }
  r.data_written = bytes;
  finish(r, st::kOk);
}

void BlkQueue::discard_or_write_zeroes(Request& r) {
  const uint64_t payload = r.chain.readable_bytes() - blk::kOutHeaderSize;
  if (payload == 0 || payload % blk::kDiscardSegmentSize) return finish(r, st::kIoErr);
  const uint64_t segments = payload / blk::kDiscardSegmentSize;
  if (segments > BlkConfig::kMaxSegments) return finish(r, st::kIoErr);
  uint8_t seg[blk::kDiscardSegmentSize];
  r.chain.read(blk::kOutHeaderSize, seg);
  const uint64_t sector = load_le<uint64_t>(seg, 0);
  const uint32_t count = load_le<uint32_t>(seg, 8);
  const uint32_t flags = load_le<uint32_t>(seg, 12);
  const bool discard = r.type == blk::req::kDiscard;
  if (flags & ~blk::kDiscardFlagUnmap) return finish(r, st::kUnsupp);
  if (discard && (flags & blk::kDiscardFlagUnmap)) return finish(r, st::kUnsupp);
  const uint32_t max = discard ? ctx_.config.max_discard_sectors()
                               : ctx_.config.max_write_zeroes_sectors();
  const uint64_t lba = ctx_.config.block_size() / zoned::kSectorSize;
  const uint64_t capacity = ctx_.config.capacity_sectors();
  if (count > max || sector % lba || count % lba || sector > capacity ||
      count > capacity - sector) {
    return finish(r, st::kIoErr);
  }
  if (count == 0) return finish(r, st::kOk);
  const uint64_t bytes = uint64_t{count} * zoned::kSectorSize;
  ++outstanding_;
  if (discard) {
    io_->discard(sector, bytes, [this, rp = &r](ZoneStatus s) {
      --outstanding_;
      finish(*rp, blk::to_virtio_status(s));
    });
  } else {
    io_->write_zeroes(sector, bytes, [this, rp = &r](ZoneStatus s, uint64_t) {
      --outstanding_;
      finish(*rp, blk::to_virtio_status(s));
    });
  }
}

}  // namespace zvmm::virtio

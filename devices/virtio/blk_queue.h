// One virtio-blk request queue: pops descriptor chains, validates them as
// virtio-blk requests, hands them to the zoned device through this queue's
// ZonedQueue handle (guest pages as segments), and completes them (data,
// status byte, used ring, interrupt).
//
// Single-threaded: everything runs on the thread that owns the queue (its
// worker in the VMM, the test thread in unit tests). Engine callbacks arrive
// during process_completions() on that same thread.
//
// Guest input never throws: a malformed chain is returned with used length 0,
// a malformed request completes with IOERR/UNSUPP, a broken ring (or a head the
// driver made available again while the device still owns it) makes the device
// ask for a reset (VirtioInterrupt::set_needs_reset) and the queue stops.
//
// Requests live in one slot per descriptor head, allocated with the queue and
// recycled (with their chain and segment list), so a request in the steady
// state allocates nothing here.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "devices/queue_worker.h"
#include "devices/virtio/blk_config.h"
#include "devices/virtio/descriptor_chain.h"
#include "devices/virtio/virtio_device.h"
#include "devices/virtio/virtqueue.h"
#include "zoned/zoned_device.h"

namespace zvmm::virtio {

// Shared by every queue of one activated device; immutable while active.
struct BlkContext {
  zoned::ZonedDevice& device;
  const BlkConfig& config;
  uint64_t features;  // negotiated
  VirtioInterrupt& irq;
};

class BlkQueue final : public devices::ServicedQueue {
 public:
  BlkQueue(const BlkContext& ctx, uint16_t index, Virtqueue vq, std::unique_ptr<zoned::ZonedQueue> io);
  ~BlkQueue() override;  // quiesce()
  BlkQueue(const BlkQueue&) = delete;
  BlkQueue& operator=(const BlkQueue&) = delete;

  // Takes every available chain and starts it.
  void process_available();
  // Runs ready engine completions.
  void process_completions();
  // Raises the queue's interrupt if used entries were added and the driver wants one.
  void notify();
  // devices::ServicedQueue, for the queue worker (devices/queue_worker.h).
  // One pass: starts every available chain as one submission batch, runs what
  // already completed, and raises at most one interrupt. Returns the chains taken.
  size_t service() override;
  size_t available() override { return broken_ ? 0 : vq_.available(); }
  int completion_fd() const override { return io_->completion_fd(); }
  void consume_signal() override { io_->consume_signal(); }
  // Stops touching the rings and waits until no engine I/O is outstanding.
  void quiesce() override;

  size_t outstanding() const { return outstanding_; }
  bool broken() const { return broken_; }
  zoned::ZonedQueue& io() { return *io_; }
  const Virtqueue& virtqueue() const { return vq_; }

 private:
  struct Request;

  void break_queue(const std::string& reason);
  void handle(Request& r);
  void finish(Request& r, uint8_t status);
  // Starts engine I/O; `r` completes from the callback.
  void start_read(Request& r);
  void start_write(Request& r, bool append);
  void start_flush(Request& r);
  void start_zone_op(Request& r);
  void report_zones(Request& r);
  void discard_or_write_zeroes(Request& r);
  // Bytes [offset, offset + len) of the chain's device-readable (or
  // `writable`) part as r.iov; false if len is 0 or above max_request_bytes.
  bool map_guest_segments(Request& r, bool writable, uint64_t offset, uint64_t len);
  bool negotiated(unsigned feature) const;

  const BlkContext& ctx_;
  const uint16_t index_;
  size_t started_ = 0;  // chains taken from the ring, ever
  Virtqueue vq_;
  std::unique_ptr<zoned::ZonedQueue> io_;
  std::vector<Request> requests_;  // indexed by descriptor head; never resized
  DescriptorChain next_chain_;     // pop target, swapped into a request slot
  size_t outstanding_ = 0;
  bool stopping_ = false;
  bool broken_ = false;
};

}  // namespace zvmm::virtio

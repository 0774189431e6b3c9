#include "devices/virtio/virtio_blk.h"

#include <algorithm>
#include <cstdio>
#include <exception>

namespace zvmm::virtio {

namespace {
VirtioBlkOptions with_device_limits(const zoned::ZonedDevice& device, VirtioBlkOptions o) {
  o.read_only = o.read_only || device.read_only();
  return o;
}
}  // namespace

VirtioBlk::VirtioBlk(zoned::ZonedDevice& device, VirtioBlkOptions options)
    : device_(device), config_(device.geometry(), with_device_limits(device, std::move(options))) {}

VirtioBlk::~VirtioBlk() { reset(); }

bool VirtioBlk::accept_features(uint64_t f) const {
  if (config_.model() == zoned::ZonedModel::kHostManaged && !(f & bit(blk::feature::kZoned))) {
    return false;
  }
  return true;
}

void VirtioBlk::read_config(uint32_t offset, std::span<uint8_t> data) const {
  std::fill(data.begin(), data.end(), 0);
  const auto bytes = config_.bytes();
  if (offset >= bytes.size()) return;
  const size_t n = std::min<size_t>(data.size(), bytes.size() - offset);
  std::copy_n(bytes.begin() + offset, n, data.begin());
}

void VirtioBlk::activate(const GuestMemory& mem, uint64_t features,
                         std::vector<ActiveQueue> queues, VirtioInterrupt& irq) {
  std::lock_guard lock(mu_);
  workers_.clear();
  ctx_ = std::make_unique<BlkContext>(BlkContext{device_, config_, features, irq});
  const unsigned depth = config_.options().queue_size;
  for (ActiveQueue& q : queues) {
    workers_.push_back(std::make_unique<devices::WorkerThread>(
        [ctx = ctx_.get(), depth, q = std::move(q)](int stop_fd) mutable {
          try {
            BlkQueue queue(*ctx, q.index, std::move(q.queue), ctx->device.open_queue(depth));
            devices::run_queue_worker(queue, *q.kick, stop_fd, ctx->config.options().kick_yield);
          } catch (const std::exception& e) {
            std::fprintf(stderr, "virtio-blk: queue %u worker: %s; device needs reset\n", q.index,
                         e.what());
            ctx->irq.set_needs_reset();
          }
        }));
  }
}

void VirtioBlk::reset() {
  std::lock_guard lock(mu_);
  workers_.clear();  // stops and joins each worker after its I/O drained
  ctx_.reset();
}

}  // namespace zvmm::virtio

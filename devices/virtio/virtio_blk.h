// virtio-blk device model over a zoned::ZonedDevice (emulated image or host
// zoned disk): plain disks (ZonedModel::kNone:
// DISCARD/WRITE_ZEROES offered) and zoned disks (VIRTIO_BLK_F_ZONED, host-managed
// or host-aware). Knows nothing about PCI; wrap it in VirtioPciTransport.
//
// Threads: activate() starts one worker thread per enabled queue. Each worker
// opens its own ZonedQueue (ZonedDevice::open_queue, on the worker thread) and
// waits with poll() on the queue's kick eventfd and the handle's completion fd;
// it parses requests, hands them to the device and completes them. reset()
// (device reset, destruction) stops and joins the workers after their
// in-flight I/O has completed.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "devices/virtio/blk_config.h"
#include "devices/virtio/blk_queue.h"
#include "devices/queue_worker.h"
#include "devices/virtio/virtio_device.h"
#include "devices/worker_thread.h"
#include "zoned/zoned_device.h"

namespace zvmm::virtio {

class VirtioBlk final : public VirtioDevice {
 public:
  // `device` must outlive this object. A read-only device forces
  // options.read_only. Throws std::invalid_argument on bad options.
  explicit VirtioBlk(zoned::ZonedDevice& device, VirtioBlkOptions options = {});
  ~VirtioBlk() override;

  DeviceType device_type() const override { return DeviceType::kBlock; }
  uint64_t features() const override { return config_.features(); }
  // A host-managed device is unusable without VIRTIO_BLK_F_ZONED.
  bool accept_features(uint64_t driver_features) const override;
  uint16_t num_queues() const override { return config_.options().num_queues; }
  uint16_t max_queue_size() const override { return config_.options().queue_size; }
  uint32_t config_size() const override { return blk::cfg::kSize; }
  void read_config(uint32_t offset, std::span<uint8_t> data) const override;
  void activate(const GuestMemory& mem, uint64_t features, std::vector<ActiveQueue> queues,
                VirtioInterrupt& irq) override;
  void reset() override;

  const BlkConfig& blk_config() const { return config_; }

 private:
  zoned::ZonedDevice& device_;
  BlkConfig config_;

  std::mutex mu_;
  std::unique_ptr<BlkContext> ctx_;
  std::vector<std::unique_ptr<devices::WorkerThread>> workers_;
};

}  // namespace zvmm::virtio

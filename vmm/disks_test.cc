// The disk owner without a VM: opening (DiskError), the final flush of every
// disk and its failure, and the exit status a failed flush gives zvmm.
#include "vmm/disks.h"

#include <gtest/gtest.h>

#include "block/null_backend.h"
#include "vmm/exit_codes.h"
#include "zoned/open_zoned_device.h"
#include "zoned/test_support.h"

namespace zvmm {
namespace {

using zoned::testing::fresh_temp_path;

// A device with a real geometry (from a real device) whose flushes fail (or
// whose queue cannot be created); its data calls fail too (Disks only flushes).
class FailingFlushDevice final : public zoned::ZonedDevice {
 public:
  enum class Failure { kStatus, kNoQueue };
  FailingFlushDevice(std::unique_ptr<zoned::ZonedDevice> inner, Failure failure)
      : in_(std::move(inner)), failure_(failure), backend_(in_->capacity_sectors() * 512) {}
  int flushes = 0;

  const zoned::ZoneGeometry& geometry() const override { return in_->geometry(); }
  bool read_only() const override { return in_->read_only(); }
  std::string description() const override { return "failing " + in_->description(); }
  zoned::ZoneReport report_zones(uint64_t s, zoned::ZoneFilter f, std::span<zoned::ZoneDescriptor> out) override {
    return in_->report_zones(s, f, out);
  }

 protected:
  std::unique_ptr<block::IoQueue> create_queue(unsigned d) override {
    if (failure_ == Failure::kNoQueue) throw std::runtime_error("io_uring_queue_init: Cannot allocate memory");
    return backend_.create_queue(d);
  }
  void flush(block::IoQueue& q, zoned::StatusCallback cb) override {
    ++flushes;
    fail(q, std::move(cb));
  }
  void read(block::IoQueue& q, uint64_t, zoned::Segments, zoned::StatusCallback cb) override { fail(q, std::move(cb)); }
  void write(block::IoQueue& q, uint64_t, zoned::Segments, zoned::WriteCallback cb) override { fail(q, std::move(cb)); }
  void append(block::IoQueue& q, uint64_t, zoned::Segments, zoned::WriteCallback cb) override { fail(q, std::move(cb)); }
  void write_zeroes(block::IoQueue& q, uint64_t, uint64_t, zoned::WriteCallback cb) override { fail(q, std::move(cb)); }
  void discard(block::IoQueue& q, uint64_t, uint64_t, zoned::StatusCallback cb) override { fail(q, std::move(cb)); }
  void zone_op(block::IoQueue& q, zoned::ZoneOp, uint64_t, zoned::StatusCallback cb) override { fail(q, std::move(cb)); }
  void zone_op_all(block::IoQueue& q, zoned::ZoneOp, zoned::StatusCallback cb) override { fail(q, std::move(cb)); }

 private:
  static void fail(block::IoQueue& q, zoned::StatusCallback cb) {
    q.post([cb = std::move(cb)] { cb(zoned::ZoneStatus::kIoError); });
  }
  static void fail(block::IoQueue& q, zoned::WriteCallback cb) {
    q.post([cb = std::move(cb)] { cb(zoned::ZoneStatus::kIoError, 0); });
  }

  std::unique_ptr<zoned::ZonedDevice> in_;
  Failure failure_;
  block::NullBackend backend_;
};

// A --disk over a fresh plain file in the test's directory.
Disks::Opened plain_disk(const std::string& name, const std::string& extra = "") {
  const std::string path = fresh_temp_path(name);
  DiskSpec spec = parse_disk_option("virtio-blk,file=" + path + ",zoned=none,size=1M" + extra);
  auto device = zoned::open_zoned_device(spec.backing);
  return {std::move(spec), std::move(device)};
}

Disks::Opened failing_disk(const std::string& name, FailingFlushDevice::Failure failure,
                           FailingFlushDevice** out = nullptr, const std::string& extra = "") {
  Disks::Opened d = plain_disk(name, extra);
  auto failing = std::make_unique<FailingFlushDevice>(std::move(d.device), failure);
  if (out) *out = failing.get();
  d.device = std::move(failing);
  return d;
}

TEST(Disks, OpensEveryDiskAndFlushesThemAtShutdown) {
  const std::string zoned_path = fresh_temp_path("disks-zoned.img");
  const std::string plain_path = fresh_temp_path("disks-plain.raw");
  Disks disks({parse_disk_option("virtio-blk,file=" + zoned_path + ",size=16M,zone-size=4M"),
               parse_disk_option("virtio-blk,file=" + plain_path + ",zoned=none,size=4M,readonly=off")});
  EXPECT_EQ(disks.size(), 2u);
  EXPECT_EQ(disks.shutdown(), std::nullopt);
  EXPECT_EQ(disks.shutdown(), std::nullopt);  // idempotent
}

TEST(Disks, AnOpenErrorIsADiskErrorNamingTheOption) {
  const std::string path = fresh_temp_path("disks-missing.img");
  const std::string option = "virtio-blk,file=" + path;
  try {
    Disks disks({parse_disk_option(option)});
    FAIL() << "opened a missing image without a geometry";
  } catch (const DiskError& e) {
    EXPECT_EQ(std::string(e.what()),
              "--disk " + option + ": " + path + " does not exist and no geometry (size=) was given to create it");
  }
}

TEST(Disks, AFailedFlushIsReportedNamingTheDiskAndTheOthersStillFlush) {
  FailingFlushDevice* bad = nullptr;
  std::vector<Disks::Opened> opened;
  opened.push_back(plain_disk("disks-good.raw"));
  opened.push_back(failing_disk("disks-bad.raw", FailingFlushDevice::Failure::kStatus, &bad));
  const std::string bad_option = opened[1].spec.text;
  Disks disks(std::move(opened));
  EXPECT_EQ(disks.shutdown(), "--disk " + bad_option + ": final flush failed: I/O error");
  EXPECT_EQ(bad->flushes, 1);
  EXPECT_EQ(disks.shutdown(), std::nullopt);  // flushed once only
  EXPECT_EQ(bad->flushes, 1);
}

TEST(Disks, TheFirstFailureIsReportedAndTheOthersCounted) {
  std::vector<Disks::Opened> opened;
  opened.push_back(plain_disk("disks-ok.raw"));
  opened.push_back(failing_disk("disks-noqueue.raw", FailingFlushDevice::Failure::kNoQueue));
  opened.push_back(failing_disk("disks-eio1.raw", FailingFlushDevice::Failure::kStatus));
  opened.push_back(failing_disk("disks-eio2.raw", FailingFlushDevice::Failure::kStatus));
  const std::string first = opened[1].spec.text;
  Disks disks(std::move(opened));
  EXPECT_EQ(disks.shutdown(), "--disk " + first +
                                  ": final flush failed: io_uring_queue_init: Cannot allocate memory (and 2 more disks)");
}

TEST(Disks, ReadOnlyDisksAreNotFlushed) {
  // Create the file, then open it read-only behind a device whose flush would fail.
  const std::string path = fresh_temp_path("disks-ro.raw");
  { auto d = zoned::open_zoned_device(zoned::parse_zoned_device_spec("file=" + path + ",zoned=none,size=1M")); }
  DiskSpec spec = parse_disk_option("virtio-blk,file=" + path + ",zoned=none,readonly=on");
  auto device = std::make_unique<FailingFlushDevice>(zoned::open_zoned_device(spec.backing),
                                                     FailingFlushDevice::Failure::kStatus);
  FailingFlushDevice* raw = device.get();
  std::vector<Disks::Opened> opened;
  opened.push_back({std::move(spec), std::move(device)});
  Disks disks(std::move(opened));
  EXPECT_EQ(disks.shutdown(), std::nullopt);
  EXPECT_EQ(raw->flushes, 0);
}

// What zvmm exits with: a failed final flush is exit status 8 with one line
// naming the disk, whatever stopped the VM; that stop is kept in the line.
TEST(FinalStopReason, AFailedFlushIsTheDiskErrorStatus) {
  const std::string flush_error = "--disk virtio-blk,file=z.img: final flush failed: I/O error";
  // The guest reported its own status quietly (e.g. 0, or 42 through port 0xf4).
  for (const int guest_status : {0, 42}) {
    const StopReason r = final_stop_reason({guest_status, ""}, flush_error);
    EXPECT_EQ(r.exit_code, exit_code::kDiskError);
    EXPECT_EQ(r.exit_code, 8);
    EXPECT_EQ(r.message, flush_error + "; the VM had stopped with status " + std::to_string(guest_status));
  }
  const StopReason sigterm = final_stop_reason({exit_code::kSigterm, "stopped by SIGTERM"}, flush_error);
  EXPECT_EQ(sigterm.exit_code, exit_code::kDiskError);
  EXPECT_EQ(sigterm.message, flush_error + "; the VM had stopped with status 143: stopped by SIGTERM");
  EXPECT_EQ(sigterm.message.find('\n'), std::string::npos);
  // Every disk flushed: the stop as it was.
  const StopReason ok = final_stop_reason({42, ""}, std::nullopt);
  EXPECT_EQ(ok.exit_code, 42);
  EXPECT_EQ(ok.message, "");
  EXPECT_EQ(final_stop_reason({7, "guest kernel panicked"}, std::nullopt).message, "guest kernel panicked");
}

// End to end through the owner: the failed flush of a real Disks gives 8.
TEST(FinalStopReason, FromDisksShutdown) {
  std::vector<Disks::Opened> opened;
  opened.push_back(failing_disk("disks-exit.raw", FailingFlushDevice::Failure::kStatus));
  const std::string option = opened[0].spec.text;
  Disks disks(std::move(opened));
  const StopReason r = final_stop_reason({0, ""}, disks.shutdown());
  EXPECT_EQ(r.exit_code, exit_code::kDiskError);
  EXPECT_EQ(r.message, "--disk " + option + ": final flush failed: I/O error; the VM had stopped with status 0");
}

// The control socket's names: Linux's, for disks probed in PCI slot order.
TEST(DiskNames, VirtioAndNvme) {
  std::vector<DiskSpec> specs;
  for (const char* t : {"virtio-blk,file=a.img,size=1G", "nvme,file=n.raw,zoned=none,size=1G",
                        "virtio-blk,file=b.img,size=1G", "nvme,file=m.raw,zoned=none,size=1G,ctrl=x,nsid=3",
                        "nvme,file=o.raw,zoned=none,size=1G,ctrl=x"}) {
    specs.push_back(parse_disk_option(t));
  }
  EXPECT_EQ(disk_names(specs), (std::vector<std::string>{"vda", "nvme0n1", "vdb", "nvme1n3", "nvme1n1"}));
  std::vector<DiskSpec> many(28, parse_disk_option("virtio-blk,file=a.img,size=1G"));
  const auto names = disk_names(many);
  EXPECT_EQ(names[25], "vdz");
  EXPECT_EQ(names[26], "vdaa");
  EXPECT_EQ(names[27], "vdab");
}

}  // namespace
}  // namespace zvmm

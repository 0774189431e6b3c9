// libFuzzer target: the NVMe controller through BAR0 and guest memory (memfd),
// with a zoned (ZNS, nsid 1) and a conventional (nsid 2) namespace over real
// zone engines. FakeHost brings the controller up (admin queue, two I/O queue
// pairs of 16 entries, optionally shadow doorbells); from then on the input
// decides submission queue entries for any admin and I/O opcode (including
// Zone Management Send/Receive and Zone Append), PRP lists and buffers in
// guest memory, register writes and reads of any size and offset, raw
// doorbell values, controller resets and asynchronous events.
//
// Input layout: byte 0 bit 0: Doorbell Buffer Config at bring-up. Then
// commands, one byte op (op % 8):
//   0  admin SQE: u8 mode, 64 bytes; submitted on the admin SQ (tail doorbell)
//   1  I/O SQE:   u8 mode, 64 bytes; on SQ 1 + (mode >> 1 & 1)
//        mode bit 0: PRP1/PRP2 replaced by buffer-window addresses chosen by
//        mode bits 4-7 (so a PRP list the input wrote there is followed)
//   2  register write: u16 offset (% 0x1040), u8 size (1..8), bytes
//   3  register read:  u16 offset, u8 size
//   4  doorbell: u8 which (% 6: SQ0 tail, CQ0 head, SQ1, CQ1, SQ2, CQ2), u32 value
//   5  guest memory poke into the 64 KiB buffer window: u16 offset, u8 len, bytes
//   6  reap every CQ the host knows (host CQ head doorbells)
//   7  u8 what % 4: 0 controller disable and bring-up again, 1 NvmeController::reset
//      and bring-up, 2 an asynchronous event, 3 zone_changed on nsid 1
// The controller is stopped at the end (I/O queue workers joined).
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <string>

#include "devices/nvme/controller_regs.h"
#include "devices/nvme/nvme_controller.h"
#include "devices/nvme/testing/fake_host.h"
#include "tools/fuzz/fuzz_input.h"
#include "vmm/guest_memory.h"
#include "zoned/test_support.h"

namespace zvmm::nvme {
namespace {

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kRam = 16 * kMiB;
constexpr uint64_t kBuf = 2 * kMiB, kBufBytes = 64 * 1024;  // the input's window
constexpr uint64_t kArena = 8 * kMiB, kArenaBytes = 4 * kMiB;  // FakeHost queues

zoned::ZoneGeometryConfig zns_geometry() {
  return {.device_bytes = 8 * kMiB,
          .zone_size_bytes = kMiB,
          .zone_capacity_bytes = 768 * 1024,
          .max_open = 2,
          .max_active = 3,
          .max_append_bytes = 64 * 1024,
          .logical_block_size = 4096,
          .model = zoned::ZonedModel::kHostManaged,
          .allow_smaller_last_zone = false};
}

void run(fuzz::Input& in) {
  const std::string tag = std::to_string(getpid());
  zoned::testing::EngineFixture zns(zns_geometry(), "nvme_fuzz-zns-" + tag + ".img");
  zoned::testing::EngineFixture nvm({.device_bytes = 4 * kMiB, .zone_size_bytes = kMiB,
                                     .model = zoned::ZonedModel::kNone},
                                    "nvme_fuzz-nvm-" + tag + ".img");
  const GuestMemory mem = GuestMemory::create(kRam);
  ControllerConfig c;
  c.serial = "FUZZ";
  c.subnqn = "nqn.2025-01.io.zvmm:fuzz";
  c.max_io_queues = 2;
  c.mdts = 4;
  NamespaceConfig ns1;
  ns1.nsid = 1;
  ns1.device = zns.engine.get();
  ns1.nguid[0] = ns1.eui64[0] = 1;
  NamespaceConfig ns2;
  ns2.nsid = 2;
  ns2.device = nvm.engine.get();
  ns2.nguid[0] = ns2.eui64[0] = 2;
  c.namespaces = {ns1, ns2};
  testing::CountingInterrupt irq;
  NvmeController ctrl(c, mem, irq);
  const bool shadow = in.u8() & 1;

  std::unique_ptr<testing::FakeHost> host;
  // A fresh host (queue memory from the arena again) and bring-up; false if
  // the controller does not come up (then the input ends).
  auto bring_up = [&]() -> bool {
    host = std::make_unique<testing::FakeHost>(ctrl, mem, kArena, kArenaBytes);
    try {
      if ((host->enable(16) & csts::kRdy) == 0) return false;
      host->create_pair(1, 16);
      host->create_pair(2, 16);
      if (shadow && !host->doorbell_buffer_config().ok()) return false;
    } catch (const std::exception&) {
      return false;
    }
    return true;
  };
  if (!bring_up()) __builtin_trap();  // a clean bring-up must work

  auto sqe = [&](uint8_t mode) {
    Sqe s;
    const auto b = in.fixed(64);
    std::copy(b.begin(), b.end(), s.bytes.begin());
    if (mode & 1) {
      const uint64_t page = (mode >> 4) % 16;
      testing::set_prps(s, kBuf + page * 4096 + (mode & 2 ? 512 : 0), kBuf + ((page + 1) % 16) * 4096);
    }
    return s;
  };
  int ops = 0;
  while (!in.empty() && ops++ < 200) {
    switch (in.u8() % 8) {
      case 0: {
        const uint8_t mode = in.u8();
        host->submit(0, sqe(mode));
        break;
      }
      case 1: {
        const uint8_t mode = in.u8();
        host->submit(static_cast<uint16_t>(1 + ((mode >> 1) & 1)), sqe(mode));
        break;
      }
      case 2: {
        const uint64_t off = in.u16() % 0x1040;
        const auto b = in.fixed(1 + in.u8() % 8);
        ctrl.mmio_write(off, b);
        break;
      }
      case 3: {
        const uint64_t off = in.u16();
        std::vector<uint8_t> b(1 + in.u8() % 8);
        ctrl.mmio_read(off, b);
        break;
      }
      case 4: {
        const uint8_t which = in.u8() % 6;
        host->write32(kDoorbellBase + 4 * which, in.u32());
        break;
      }
      case 5: {
        const uint64_t off = in.u16() % kBufBytes;
        const auto b = in.fixed(std::min<size_t>(in.u8(), kBufBytes - off));
        auto dst = mem.slice(kBuf + off, b.size()).value();
        std::copy(b.begin(), b.end(), dst.begin());
        break;
      }
      case 6:
        for (uint16_t q = 0; q <= 2; ++q) host->reap(q);
        break;
      case 7:
        switch (in.u8() % 4) {
          case 0:
            host->disable();
            if (!bring_up()) return;
            break;
          case 1:
            ctrl.reset();
            if (!bring_up()) return;
            break;
          case 2:
            ctrl.raise_async_event(static_cast<AsyncEventType>(in.u8() % 3), in.u8(), in.u8());
            break;
          case 3:
            ctrl.zone_changed(1, static_cast<uint64_t>(in.u8() % 8) * 2048);
            break;
        }
        break;
    }
  }
  ctrl.stop();
}

}  // namespace
}  // namespace zvmm::nvme

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  zvmm::fuzz::Input in(data, size);
  zvmm::nvme::run(in);
  return 0;
}

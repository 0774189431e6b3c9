// Random submission queue entries (every opcode, random fields), random PRP
// lists, random doorbell values and register writes, over guest memory. The
// controller must never crash nor touch memory outside guest RAM (run under
// --config=asan), and every CQE it posts must carry the CID of a command
// submitted on that SQ.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <thread>

#include "devices/nvme/nvme_controller.h"
#include "devices/nvme/testing/fake_host.h"
#include "vmm/layout.h"
#include "zoned/test_support.h"

namespace zvmm::nvme {
namespace {

using layout::MiB;
using testing::CountingInterrupt;
using testing::FakeHost;
using testing::make_sqe;
using testing::set_cdw;
using testing::set_prps;

constexpr uint64_t kRam = 32 * MiB;
constexpr uint64_t kCqArea = 4 * MiB;   // every CQ lives here (scanned for CIDs)
constexpr uint64_t kCqAreaBytes = 1 * MiB;
constexpr uint64_t kArena = 8 * MiB;    // SQs, buffers, PRP lists
constexpr uint64_t kArenaBytes = 16 * MiB;
constexpr uint16_t kIoQueues = 3;

const uint8_t kOpcodes[] = {0x00, 0x01, 0x02, 0x04, 0x05, 0x06, 0x08, 0x09, 0x0a, 0x0c,
                            0x0d, 0x10, 0x18, 0x19, 0x79, 0x7a, 0x7c, 0x7d, 0x80, 0xff};

class Fuzzer {
 public:
  explicit Fuzzer(uint32_t seed) : rng_(seed) {
    ControllerConfig c;
    c.serial = "FUZZ";
    c.subnqn = "nqn.2025-01.io.zvmm:fuzz";
    c.max_io_queues = kIoQueues;
    c.mdts = 5;
    NamespaceConfig ns;
    ns.nsid = 1;
    ns.device = fx_.engine.get();
    ns.nguid[0] = ns.eui64[0] = 1;
    c.namespaces.push_back(ns);
    ctrl_ = std::make_unique<NvmeController>(c, mem_, irq_);
    host_ = std::make_unique<FakeHost>(*ctrl_, mem_, kArena, kArenaBytes);
    for (int i = 0; i < 16; ++i) buffers_.push_back(host_->alloc(64 * 1024));
    zero_sqs_ = host_->alloc(256 * 1024);  // never written: random Create I/O SQs go here
    for (int i = 0; i < 8; ++i) {
      lists_.push_back(host_->alloc(4096));
      auto b = host_->bytes(lists_.back(), 4096);
      for (size_t o = 0; o < 4096; o += 8) store_le<uint64_t>(b, o, random_address());
    }
  }

  uint64_t r(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }

  // Anywhere but the CQ area: a buffer (aligned or not), a list page, past
  // RAM, the MMIO hole, garbage.
  uint64_t random_address() {
    switch (r(6)) {
      case 0: return buffers_.empty() ? 0 : buffers_[r(buffers_.size())];
      case 1: return buffers_.empty() ? 0 : buffers_[r(buffers_.size())] + r(65536);
      case 2: return lists_.empty() ? kArena : lists_[r(lists_.size())] + 8 * r(512);
      case 3: return kRam - r(3) * 4096;
      case 4: return 0xfee00000 + r(4096);
      default: return rng_();
    }
  }

  uint64_t cq_page() {
    const uint64_t gpa = kCqArea + next_cq_;
    next_cq_ = (next_cq_ + 16 * 4096) % kCqAreaBytes;  // reuse: old CQEs there were checked
    return gpa;
  }

  void bring_up() {
    const uint64_t acq = cq_page();
    std::memset(host_->bytes(acq, 4096).data(), 0, 4096);
    ASSERT_EQ(host_->enable(32, std::nullopt, acq), csts::kRdy);
    for (uint16_t q = 1; q <= kIoQueues; ++q) {
      const uint32_t entries = 2 + r(60);
      const uint64_t cq = cq_page();
      std::memset(host_->bytes(cq, 16 * entries).data(), 0, 16 * entries);
      ASSERT_TRUE(host_->create_cq(q, entries, q, true, true, cq).ok());
      ASSERT_TRUE(host_->create_sq(q, 2 + r(60), q).ok());
    }
    if (r(2)) {
      ASSERT_TRUE(host_->doorbell_buffer_config().ok());
    }
    mark_admin_cids();
  }

  Sqe random_sqe(bool admin) {
    Sqe s;
    for (auto& b : s.bytes) b = static_cast<uint8_t>(rng_());
    s.bytes[0] = kOpcodes[r(std::size(kOpcodes))];
    if (r(4)) s.bytes[1] = 0;  // mostly no FUSE/PSDT
    const uint32_t nsids[] = {0, 1, 1, 1, 2, kBroadcastNsid, static_cast<uint32_t>(rng_())};
    store_le<uint32_t>(s.bytes, 4, nsids[r(std::size(nsids))]);
    set_prps(s, random_address(), random_address());
    if (r(2)) set_cdw(s, 12, static_cast<uint32_t>(r(64)));                 // small NLB
    if (r(2)) set_cdw(s, 10, static_cast<uint32_t>(r(8192)));               // SLBA in range
    if (r(2)) set_cdw(s, 11, r(2) ? 0 : static_cast<uint32_t>(rng_()));
    if (admin && s.opcode() == admin_opcode::kCreateIoCq) {
      set_prps(s, cq_page(), 0);  // CQs only where the CID scan looks
      set_cdw(s, 10, static_cast<uint32_t>(r(kIoQueues + 2)) | static_cast<uint32_t>(r(70)) << 16);
    }
    if (admin && s.opcode() == admin_opcode::kCreateIoSq) {
      set_cdw(s, 10, static_cast<uint32_t>(r(kIoQueues + 2)) | static_cast<uint32_t>(r(70)) << 16);
      set_cdw(s, 11, 1 | static_cast<uint32_t>(r(kIoQueues + 2)) << 16);
      set_prps(s, zero_sqs_ + 4096 * r(60), 0);
    }
    if (admin && s.opcode() == admin_opcode::kDoorbellBufferConfig && r(2)) {
      set_prps(s, buffers_[r(buffers_.size())], buffers_[r(buffers_.size())] + 4096);
    }
    return s;
  }

  void submit_random(uint16_t qid) {
    auto& q = host_->queue(qid);
    if (q.sq_entries == 0) return;
    Sqe s = random_sqe(qid == 0);
    const uint16_t cid = static_cast<uint16_t>(rng_());
    store_le<uint16_t>(s.bytes, 2, cid);
    submitted_[qid].insert(cid);
    host_->submit(qid, s);
  }

  // Every CQE anywhere in the CQ area names a submitted CID of its SQ.
  void check_cids() {
    auto area = host_->bytes(kCqArea, kCqAreaBytes);
    for (size_t o = 0; o < area.size(); o += 16) {
      const uint32_t dw3 = std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(area.data() + o + 12))
                               .load(std::memory_order_acquire);
      const uint32_t dw2 = std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(area.data() + o + 8))
                               .load(std::memory_order_relaxed);
      if (dw3 == 0 && dw2 == 0) continue;
      const uint16_t sqid = dw2 >> 16, cid = dw3 & 0xffff;
      ASSERT_TRUE(submitted_[sqid].count(cid)) << "CQE at 0x" << std::hex << kCqArea + o << " SQ "
                                               << sqid << " CID " << cid;
    }
  }

  void mark_admin_cids() {
    // FakeHost::admin uses CIDs 0.. counting up. A random doorbell value can
    // make the controller fetch never-written (zero) SQ slots: CID 0.
    for (uint32_t c = 0; c < 4096; ++c) submitted_[0].insert(static_cast<uint16_t>(c));
    for (uint16_t q = 1; q <= kIoQueues; ++q) submitted_[q].insert(0);
  }

  void step() {
    switch (r(10)) {
      case 0:
      case 1:
      case 2: return submit_random(static_cast<uint16_t>(r(kIoQueues + 1)));
      case 3: {  // burst on one I/O queue
        const uint16_t q = 1 + r(kIoQueues);
        for (int i = 0; i < 1 + int(r(20)); ++i) submit_random(q);
        return;
      }
      case 4:
      case 5: {  // reap what is there (keeps queues moving)
        for (uint16_t q = 0; q <= kIoQueues; ++q) {
          if (host_->queue(q).cq_entries) host_->reap(q);
        }
        return;
      }
      case 6: {  // random doorbell value at a random doorbell
        const uint64_t off = kDoorbellBase + 4 * r(2 * (kIoQueues + 2));
        host_->write32(off, r(4) ? static_cast<uint32_t>(r(80)) : static_cast<uint32_t>(rng_()));
        return;
      }
      case 7: {  // odd-size or misaligned BAR accesses
        std::vector<uint8_t> b(1 + r(8));
        for (auto& x : b) x = static_cast<uint8_t>(rng_());
        ctrl_->mmio_write(r(0x1100), b);
        ctrl_->mmio_read(r(0x1100), b);
        return;
      }
      case 8: {
        if (r(40) == 0) {  // controller reset and bring-up again
          host_->disable();
          check_cids();
          bring_up();
        } else if (r(80) == 0) {
          host_->shutdown();
          host_->disable();
          bring_up();
        } else if (r(30) == 0) {
          ctrl_->raise_async_event(static_cast<AsyncEventType>(r(3)), static_cast<uint8_t>(r(2)), 1);
        }
        return;
      }
      default: {  // register writes that keep the admin queue where it is
        const uint32_t regs[] = {reg::kIntms, reg::kIntmc, reg::kCc, reg::kNssr, reg::kCap, reg::kCsts};
        const uint32_t off = regs[r(std::size(regs))];
        uint32_t v = static_cast<uint32_t>(rng_());
        if (off == reg::kCc) v = (v & ~cc::kEn) | (host_->read32(reg::kCc) & cc::kEn);  // EN via bring_up
        host_->write32(off, v);
        return;
      }
    }
  }

  void run(int steps) {
    bring_up();
    for (int i = 0; i < steps; ++i) {
      step();
      if (i % 64 == 0) check_cids();
      if (::testing::Test::HasFatalFailure()) return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    check_cids();
  }

  // Chaos: random ASQ/ACQ (inside and outside RAM) and CC values, random
  // memory everywhere; only "no crash, no access outside RAM" is checked.
  void chaos(int steps) {
    for (int i = 0; i < steps; ++i) {
      const uint32_t offs[] = {reg::kAqa, reg::kAsq, reg::kAsq + 4, reg::kAcq, reg::kAcq + 4, reg::kCc};
      uint32_t v = static_cast<uint32_t>(rng_());
      if (r(2)) v &= 0xfffff000u;
      if (r(3) == 0) host_->write32(offs[r(std::size(offs))], v);
      if (r(2)) host_->write32(reg::kCc, FakeHost::kCc | (r(3) ? cc::kEn : 0));
      auto buf = host_->bytes(buffers_[r(buffers_.size())], 4096);
      for (auto& b : buf) b = static_cast<uint8_t>(rng_());
      host_->write32(kDoorbellBase + 4 * r(2 * (kIoQueues + 1)), static_cast<uint32_t>(r(70)));
    }
    ctrl_->reset();
  }

  zoned::testing::EngineFixture fx_{{.device_bytes = 4 * MiB, .zone_size_bytes = MiB,
                                     .model = zoned::ZonedModel::kNone},
                                    "nvme_fuzz.img"};
  GuestMemory mem_ = GuestMemory::create(kRam);
  CountingInterrupt irq_;
  std::unique_ptr<NvmeController> ctrl_;
  std::unique_ptr<FakeHost> host_;
  std::mt19937_64 rng_;
  std::vector<uint64_t> buffers_, lists_;
  uint64_t next_cq_ = 0;
  uint64_t zero_sqs_ = 0;
  std::map<uint16_t, std::set<uint16_t>> submitted_;
};

TEST(NvmeControllerFuzz, RandomCommandsDoorbellsAndRegisters) {
  for (uint32_t seed = 1; seed <= 6; ++seed) {
    SCOPED_TRACE(seed);
    Fuzzer f(seed);
    f.run(3000);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(NvmeControllerFuzz, ChaosRegistersAndMemory) {
  for (uint32_t seed = 100; seed <= 103; ++seed) {
    Fuzzer f(seed);
    f.bring_up();
    for (int i = 0; i < 300; ++i) f.submit_random(static_cast<uint16_t>(f.r(kIoQueues + 1)));
    f.chaos(3000);
  }
}

}  // namespace
}  // namespace zvmm::nvme

#include "devices/nvme/nvme_controller.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "devices/nvme/testing/fake_host.h"
#include "vmm/layout.h"
#include "zoned/test_support.h"

namespace zvmm::nvme {
namespace {

using layout::MiB;
using testing::Completion;
using testing::CountingInterrupt;
using testing::FakeHost;
using testing::make_sqe;
using testing::set_cdw;
using testing::set_prps;
using zoned::testing::pattern;

constexpr uint64_t kRam = 64 * MiB;
constexpr uint64_t kArena = 8 * MiB;
constexpr uint64_t kArenaBytes = 48 * MiB;
constexpr uint64_t kDiskBytes = 16 * MiB;
constexpr uint32_t kLba = 512;

zoned::ZoneGeometryConfig plain_geometry() {
  return {.device_bytes = kDiskBytes, .zone_size_bytes = MiB, .model = zoned::ZonedModel::kNone};
}

uint16_t sc_of(GenericStatus s) { return static_cast<uint16_t>(s); }
uint16_t sc_of(CommandSpecificStatus s) { return static_cast<uint16_t>(s); }

class NvmeControllerTest : public ::testing::Test {
 protected:
  explicit NvmeControllerTest(uint16_t queues = 4) {
    ControllerConfig c;
    c.serial = "ZVMMTEST01";
    c.subnqn = "nqn.2025-01.io.zvmm:test";
    c.max_io_queues = queues;
    NamespaceConfig ns;
    ns.nsid = 1;
    ns.device = fx_.engine.get();
    ns.nguid[0] = 1;
    ns.eui64[0] = 1;
    c.namespaces.push_back(ns);
    ctrl_ = std::make_unique<NvmeController>(c, mem_, irq_);
    host_ = std::make_unique<FakeHost>(*ctrl_, mem_, kArena, kArenaBytes);
  }
  void bring_up() {
    ASSERT_EQ(host_->enable(), csts::kRdy);
  }
  void expect_status(const Completion& c, StatusCodeType sct, uint16_t sc, bool dnr = true) {
    EXPECT_EQ(c.sct(), static_cast<uint8_t>(sct)) << std::hex << c.status;
    EXPECT_EQ(c.sc(), sc) << std::hex << c.status;
    EXPECT_EQ(c.dnr(), dnr) << std::hex << c.status;
  }
  void expect_generic(const Completion& c, GenericStatus s) {
    expect_status(c, StatusCodeType::kGeneric, sc_of(s));
  }
  void expect_specific(const Completion& c, CommandSpecificStatus s) {
    expect_status(c, StatusCodeType::kCommandSpecific, sc_of(s));
  }
  // Bytes of the image file (the engine's data starts at offset 0).
  std::vector<uint8_t> image(uint64_t offset, size_t n) {
    std::vector<uint8_t> b(n);
    EXPECT_EQ(fx_.file->read(offset, b), static_cast<int64_t>(n));
    return b;
  }
  uint64_t buffer_with(const std::vector<uint8_t>& data) {
    const uint64_t gpa = host_->alloc(data.size());
    auto b = host_->bytes(gpa, data.size());
    std::copy(data.begin(), data.end(), b.begin());
    return gpa;
  }
  std::vector<uint8_t> read_back(uint16_t qid, uint64_t slba, uint32_t nlb) {
    const uint64_t gpa = host_->alloc(uint64_t{nlb} * kLba);
    Completion c = host_->io(qid, host_->rw(io_opcode::kRead, 1, slba, nlb, gpa, uint64_t{nlb} * kLba));
    EXPECT_TRUE(c.ok()) << std::hex << c.status;
    auto b = host_->bytes(gpa, uint64_t{nlb} * kLba);
    return {b.begin(), b.end()};
  }
  Completion write(uint16_t qid, uint64_t slba, const std::vector<uint8_t>& data) {
    const uint64_t gpa = buffer_with(data);
    return host_->io(qid, host_->rw(io_opcode::kWrite, 1, slba, data.size() / kLba, gpa, data.size()));
  }

  zoned::testing::EngineFixture fx_{plain_geometry(), "nvme_controller.img"};
  GuestMemory mem_ = GuestMemory::create(kRam);
  CountingInterrupt irq_;
  std::unique_ptr<NvmeController> ctrl_;
  std::unique_ptr<FakeHost> host_;
};

// ---- bring-up, identify, admin basics ----

TEST_F(NvmeControllerTest, BringUpLikeLinux) {
  EXPECT_EQ(host_->read32(reg::kVs), kVersion);
  EXPECT_EQ(host_->enable(), csts::kRdy);
  std::vector<uint8_t> id;
  Completion c = host_->identify(1, 0, &id);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.sq_id, 0);
  EXPECT_EQ(c.sq_head, 1);
  EXPECT_EQ(std::string(id.begin() + 4, id.begin() + 14), "ZVMMTEST01");
  EXPECT_EQ(id[77], 7);       // MDTS
  EXPECT_EQ(id[512], 0x66);   // SQES
  EXPECT_TRUE(load_le<uint16_t>(id, 256) & (1u << 8));  // OACS DBBC
  c = host_->identify(0, 1, &id);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(load_le<uint64_t>(id, 0), kDiskBytes / kLba);  // NSZE
  EXPECT_EQ(id[130], 9);  // LBADS
  expect_generic(host_->identify(0, 0), GenericStatus::kInvalidNamespaceOrFormat);
  ASSERT_TRUE(host_->identify(0, 2, &id).ok());  // inactive: zeros
  EXPECT_EQ(load_le<uint64_t>(id, 0), 0u);
  // Get Log Page SMART counts the I/O below.
  c = host_->identify(3, 1, &id);  // CSI descriptor
  ASSERT_TRUE(c.ok());
  // Number of Queues.
  Sqe s = make_sqe(admin_opcode::kSetFeatures);
  set_cdw(s, 10, 0x07);
  set_cdw(s, 11, 0x00030003);
  c = host_->admin(s);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.dw0, 0x00030003u);
  EXPECT_GE(irq_.count(0), 4u);  // admin completions interrupt on vector 0
}

TEST_F(NvmeControllerTest, UnknownOpcodesAndBadFieldsHaveDnr) {
  bring_up();
  expect_generic(host_->admin(make_sqe(0x7f)), GenericStatus::kInvalidOpcode);
  Sqe fused = make_sqe(admin_opcode::kKeepAlive);
  fused.bytes[1] = 0x01;  // FUSE 01b
  expect_generic(host_->admin(fused), GenericStatus::kInvalidField);
  Sqe sgl = make_sqe(admin_opcode::kKeepAlive);
  sgl.bytes[1] = 0x40;  // PSDT 01b
  expect_generic(host_->admin(sgl), GenericStatus::kInvalidField);
  EXPECT_TRUE(host_->admin(make_sqe(admin_opcode::kKeepAlive)).ok());
  Completion abort = host_->admin(make_sqe(admin_opcode::kAbort));
  EXPECT_TRUE(abort.ok());
  EXPECT_EQ(abort.dw0 & 1, 1u);  // not aborted

  host_->create_pair(1, 16);
  expect_generic(host_->io(1, make_sqe(0x7e, 0, 1)), GenericStatus::kInvalidOpcode);
  expect_generic(host_->io(1, make_sqe(io_opcode::kZoneAppend, 0, 1)), GenericStatus::kInvalidOpcode);
  Sqe f = make_sqe(io_opcode::kFlush, 0, 1);
  f.bytes[1] = 0x40;
  expect_generic(host_->io(1, f), GenericStatus::kInvalidField);
}

TEST_F(NvmeControllerTest, AdminQueueOutsideRamIsFatal) {
  // ASQ beyond RAM: RDY was already set by the register file, CFS joins it.
  EXPECT_EQ(host_->enable(32, kRam) & csts::kCfs, csts::kCfs);
  // Linux resets and tries again.
  host_->disable();
  EXPECT_EQ(host_->csts(), 0u);
  EXPECT_EQ(host_->enable(), csts::kRdy);
}

TEST_F(NvmeControllerTest, AdminCqHeadPastTheTailIsFatal) {
  bring_up();
  EXPECT_TRUE(host_->admin(make_sqe(admin_opcode::kKeepAlive)).ok());
  host_->write32(cq_head_doorbell(0), 5);  // only one entry was posted
  EXPECT_EQ(host_->csts(), csts::kRdy | csts::kCfs);
  host_->disable();
  EXPECT_EQ(host_->enable(), csts::kRdy);
  EXPECT_TRUE(host_->admin(make_sqe(admin_opcode::kKeepAlive)).ok());
}

TEST_F(NvmeControllerTest, CreateAndDeleteQueueChecks) {
  bring_up();
  using C = CommandSpecificStatus;
  // Create I/O CQ.
  expect_specific(host_->create_cq(0, 16, 0), C::kInvalidQueueIdentifier);
  expect_specific(host_->create_cq(5, 16, 0), C::kInvalidQueueIdentifier);  // > max_io_queues (4)
  expect_specific(host_->create_cq(1, 1, 0), C::kInvalidQueueSize);        // QSIZE 0
  expect_specific(host_->create_cq(1, 1025, 0), C::kInvalidQueueSize);     // > MQES + 1
  expect_generic(host_->create_cq(1, 16, 0, true, false), GenericStatus::kInvalidField);  // PC 0
  expect_specific(host_->create_cq(1, 16, 5), C::kInvalidInterruptVector);  // 5 vectors: 0..4
  EXPECT_TRUE(host_->create_cq(1, 16, 5, /*ien=*/false).ok());              // IV unused without IEN
  expect_specific(host_->create_cq(1, 16, 1), C::kInvalidQueueIdentifier);  // in use
  expect_generic(host_->create_cq(2, 16, 2, true, true, 0x1000 + 8), GenericStatus::kInvalidPrpOffset);
  expect_generic(host_->create_cq(2, 16, 2, true, true, kRam), GenericStatus::kInvalidField);
  EXPECT_TRUE(host_->create_cq(2, 1024, 2).ok());
  // Create I/O SQ.
  expect_specific(host_->create_sq(1, 16, 0), C::kCompletionQueueInvalid);
  expect_specific(host_->create_sq(1, 16, 3), C::kCompletionQueueInvalid);
  expect_specific(host_->create_sq(0, 16, 1), C::kInvalidQueueIdentifier);
  expect_specific(host_->create_sq(7, 16, 1), C::kInvalidQueueIdentifier);
  expect_specific(host_->create_sq(1, 1, 1), C::kInvalidQueueSize);
  expect_specific(host_->create_sq(1, 2000, 1), C::kInvalidQueueSize);
  expect_generic(host_->create_sq(1, 16, 1, false), GenericStatus::kInvalidField);
  expect_generic(host_->create_sq(1, 16, 1, true, 0x2000 + 64), GenericStatus::kInvalidPrpOffset);
  expect_generic(host_->create_sq(1, 16, 1, true, kRam), GenericStatus::kInvalidField);
  EXPECT_TRUE(host_->create_sq(1, 16, 1).ok());
  expect_specific(host_->create_sq(1, 16, 1), C::kInvalidQueueIdentifier);  // in use
  EXPECT_TRUE(host_->create_sq(3, 16, 1).ok());                             // two SQs on CQ 1
  // Delete.
  expect_specific(host_->delete_cq(1), C::kInvalidQueueDeletion);
  expect_specific(host_->delete_sq(0), C::kInvalidQueueIdentifier);
  expect_specific(host_->delete_sq(2), C::kInvalidQueueIdentifier);
  EXPECT_TRUE(host_->delete_sq(1).ok());
  expect_specific(host_->delete_cq(1), C::kInvalidQueueDeletion);
  EXPECT_TRUE(host_->delete_sq(3).ok());
  EXPECT_TRUE(host_->delete_cq(1).ok());
  expect_specific(host_->delete_cq(1), C::kInvalidQueueIdentifier);
  expect_specific(host_->delete_cq(0), C::kInvalidQueueIdentifier);
  EXPECT_TRUE(host_->delete_cq(2).ok());
}

TEST_F(NvmeControllerTest, CreateQueueChecksEntrySizes) {
  host_->enable();
  // IOCQES 5 (32-byte CQ entries): refused at Create I/O CQ.
  const uint32_t cc = (host_->read32(reg::kCc) & ~cc::kIocqesMask) | (5u << cc::kIocqesShift);
  host_->write32(reg::kCc, cc);
  expect_specific(host_->create_cq(1, 16, 1), CommandSpecificStatus::kInvalidQueueSize);
  host_->write32(reg::kCc, FakeHost::kCc | cc::kEn);
  EXPECT_TRUE(host_->create_cq(1, 16, 1).ok());
}

// ---- I/O ----

TEST_F(NvmeControllerTest, WriteThenReadBackAndCheckTheImage) {
  bring_up();
  host_->create_pair(1, 64);
  for (uint32_t nlb : {1u, 8u, 9u, 128u, 1024u}) {  // one page .. a PRP list (512 KiB = MDTS)
    const uint64_t slba = 4096 + nlb;
    auto data = pattern(slba, size_t{nlb} * kLba, nlb);
    Completion c = write(1, slba, data);
    ASSERT_TRUE(c.ok()) << nlb << " " << std::hex << c.status;
    EXPECT_EQ(c.sq_id, 1);
    EXPECT_EQ(read_back(1, slba, nlb), data) << nlb;
    EXPECT_EQ(image(slba * kLba, data.size()), data) << nlb;
  }
  // Flush, and flush of every namespace.
  EXPECT_TRUE(host_->io(1, make_sqe(io_opcode::kFlush, 0, 1)).ok());
  EXPECT_TRUE(host_->io(1, make_sqe(io_opcode::kFlush, 0, kBroadcastNsid)).ok());
  EXPECT_GT(irq_.count(1), 0u);
  // Above MDTS: Invalid Field.
  const uint64_t big = host_->alloc(1028 * kLba);
  expect_generic(host_->io(1, host_->rw(io_opcode::kRead, 1, 0, 1028, big, 1028 * kLba)),
                 GenericStatus::kInvalidField);
  // SMART: 5 reads and 5 writes of 1170 sectors; the error log has the MDTS error.
  const uint64_t log = host_->alloc(4096);
  Sqe smart = make_sqe(admin_opcode::kGetLogPage, 0, kBroadcastNsid);
  set_prps(smart, log, 0);
  set_cdw(smart, 10, 0x02 | (127u << 16));  // 512 bytes
  ASSERT_TRUE(host_->admin(smart).ok());
  auto page = host_->bytes(log, 512);
  EXPECT_EQ(load_le<uint64_t>(page, 32), 2u);  // data units read: ceil(1170 / 1000)
  EXPECT_EQ(load_le<uint64_t>(page, 48), 2u);
  EXPECT_EQ(load_le<uint64_t>(page, 64), 5u);  // host read commands
  EXPECT_EQ(load_le<uint64_t>(page, 80), 5u);
  Sqe err = make_sqe(admin_opcode::kGetLogPage);
  set_prps(err, log, 0);
  set_cdw(err, 10, 0x01 | (15u << 16));  // newest entry (64 bytes)
  ASSERT_TRUE(host_->admin(err).ok());
  page = host_->bytes(log, 64);
  EXPECT_EQ(load_le<uint64_t>(page, 0), 1u);  // error count
  EXPECT_EQ(load_le<uint16_t>(page, 8), 1u);  // SQID
}

TEST_F(NvmeControllerTest, WriteZeroesAndDeallocateReadZeros) {
  bring_up();
  host_->create_pair(1, 16);
  const auto data = pattern(100, 64 * kLba, 7);
  ASSERT_TRUE(write(1, 100, data).ok());
  // Write Zeroes LBAs 100..107 (NLB 0's based, DEAC set).
  Sqe wz = make_sqe(io_opcode::kWriteZeroes, 0, 1);
  set_cdw(wz, 10, 100);
  set_cdw(wz, 12, 7 | (1u << 25));
  ASSERT_TRUE(host_->io(1, wz).ok());
  auto got = read_back(1, 100, 64);
  EXPECT_EQ(std::vector<uint8_t>(got.begin(), got.begin() + 8 * kLba), std::vector<uint8_t>(8 * kLba, 0));
  EXPECT_TRUE(std::equal(got.begin() + 8 * kLba, got.end(), data.begin() + 8 * kLba));
  // DSM deallocate two ranges: 120..127 and 140..163.
  const uint64_t ranges = host_->alloc(4096);
  auto r = host_->bytes(ranges, 32);
  store_le<uint32_t>(r, 4, 8);
  store_le<uint64_t>(r, 8, 120);
  store_le<uint32_t>(r, 20, 24);
  store_le<uint64_t>(r, 24, 140);
  Sqe dsm = make_sqe(io_opcode::kDatasetManagement, 0, 1);
  set_prps(dsm, ranges, 0);
  set_cdw(dsm, 10, 1);       // NR: 2 ranges
  set_cdw(dsm, 11, 1u << 2);  // AD
  ASSERT_TRUE(host_->io(1, dsm).ok());
  got = read_back(1, 100, 64);
  for (uint64_t lba = 100; lba < 164; ++lba) {
    const bool zero = lba < 108 || (lba >= 120 && lba < 128) || lba >= 140;
    const size_t off = (lba - 100) * kLba;
    std::vector<uint8_t> sector(got.begin() + off, got.begin() + off + kLba);
    if (zero) EXPECT_EQ(sector, std::vector<uint8_t>(kLba, 0)) << lba;
    else EXPECT_TRUE(std::equal(sector.begin(), sector.end(), data.begin() + off)) << lba;
  }
  EXPECT_EQ(image(140 * kLba, 24 * kLba), std::vector<uint8_t>(24 * kLba, 0));
  // DSM without AD is a hint: nothing changes.
  set_cdw(dsm, 11, 1u << 0);
  EXPECT_TRUE(host_->io(1, dsm).ok());
  // A range beyond the namespace.
  store_le<uint64_t>(r, 24, kDiskBytes / kLba - 4);
  set_cdw(dsm, 11, 1u << 2);
  expect_generic(host_->io(1, dsm), GenericStatus::kLbaOutOfRange);
}

TEST_F(NvmeControllerTest, IoErrors) {
  bring_up();
  host_->create_pair(1, 16);
  const uint64_t nsze = kDiskBytes / kLba;
  const uint64_t buf = host_->alloc(8192);
  expect_generic(host_->io(1, host_->rw(io_opcode::kRead, 1, nsze - 1, 2, buf, 2 * kLba)),
                 GenericStatus::kLbaOutOfRange);
  expect_generic(host_->io(1, host_->rw(io_opcode::kWrite, 1, ~0ull - 1, 4, buf, 4 * kLba)),
                 GenericStatus::kLbaOutOfRange);
  EXPECT_TRUE(host_->io(1, host_->rw(io_opcode::kRead, 1, nsze - 2, 2, buf, 2 * kLba)).ok());
  expect_generic(host_->io(1, host_->rw(io_opcode::kRead, 2, 0, 1, buf, kLba)),
                 GenericStatus::kInvalidNamespaceOrFormat);
  expect_generic(host_->io(1, host_->rw(io_opcode::kRead, 0, 0, 1, buf, kLba)),
                 GenericStatus::kInvalidNamespaceOrFormat);
  expect_generic(host_->io(1, host_->rw(io_opcode::kRead, kBroadcastNsid, 0, 1, buf, kLba)),
                 GenericStatus::kInvalidNamespaceOrFormat);
  // Bad PRPs: misaligned PRP1, data outside RAM, PRP2 with an offset.
  Sqe s = host_->rw(io_opcode::kRead, 1, 0, 1, buf, kLba);
  set_prps(s, buf + 2, 0);
  expect_generic(host_->io(1, s), GenericStatus::kInvalidPrpOffset);
  set_prps(s, kRam + 4096, 0);
  expect_generic(host_->io(1, s), GenericStatus::kDataTransferError);
  s = host_->rw(io_opcode::kRead, 1, 0, 16, buf, 16 * kLba);  // two pages
  set_prps(s, buf, buf + 4096 + 8);
  expect_generic(host_->io(1, s), GenericStatus::kInvalidPrpOffset);
  Sqe wz = make_sqe(io_opcode::kWriteZeroes, 0, 1);
  set_cdw(wz, 10, static_cast<uint32_t>(nsze));
  expect_generic(host_->io(1, wz), GenericStatus::kLbaOutOfRange);
}

// With shadow doorbells the host rings the CQ head doorbell only when
// EventIdx asks: the controller must ask while completions wait for room.
class FullCqTest : public NvmeControllerTest, public ::testing::WithParamInterface<bool> {};
INSTANTIATE_TEST_SUITE_P(ShadowDoorbells, FullCqTest, ::testing::Bool());

TEST_P(FullCqTest, FullCqStopsFetchingUntilTheHeadMoves) {
  bring_up();
  if (GetParam()) {
    ASSERT_TRUE(host_->doorbell_buffer_config().ok());
  }
  ASSERT_TRUE(host_->create_cq(1, 2, 1).ok());  // one usable entry
  ASSERT_TRUE(host_->create_sq(1, 16, 1).ok());
  const uint64_t buf = host_->alloc(4096);
  for (uint16_t i = 0; i < 5; ++i) {
    Sqe s = host_->rw(io_opcode::kRead, 1, i, 1, buf, kLba);
    store_le<uint16_t>(s.bytes, 2, 100 + i);
    host_->put(1, s);
  }
  host_->ring_sq(1);
  std::vector<uint16_t> cids;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (cids.size() < 5 && std::chrono::steady_clock::now() < deadline) {
    auto c = host_->peek(1);
    if (!c) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    EXPECT_TRUE(c->ok());
    cids.push_back(c->cid);
    // Nothing else arrives before the head doorbell: the CQ is full.
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    auto& q = host_->queue(1);
    auto e = host_->bytes(q.cq + uint64_t{q.cq_head} * 16, 16);
    EXPECT_NE(bool(load_le<uint32_t>(e, 12) & (1u << 16)), q.phase) << "posted to a full CQ";
    host_->ring_cq(1);
  }
  EXPECT_EQ(cids, (std::vector<uint16_t>{100, 101, 102, 103, 104}));
}

TEST_F(NvmeControllerTest, ShadowDoorbellsWithEventIdx) {
  bring_up();
  host_->create_pair(1, 64);
  int changed = 0;
  ctrl_->set_doorbells_changed([&] { ++changed; });
  EXPECT_TRUE(ctrl_->doorbells().empty());
  // Invalid buffers.
  Sqe bad = make_sqe(admin_opcode::kDoorbellBufferConfig);
  set_prps(bad, 0x10000 + 8, 0x20000);
  expect_generic(host_->admin(bad), GenericStatus::kInvalidField);
  set_prps(bad, 0x10000, kRam);
  expect_generic(host_->admin(bad), GenericStatus::kInvalidField);
  ASSERT_TRUE(host_->doorbell_buffer_config().ok());
  EXPECT_EQ(changed, 1);
  auto dbs = ctrl_->doorbells();
  ASSERT_EQ(dbs.size(), 1u);
  EXPECT_EQ(dbs[0].offset, sq_tail_doorbell(1));
  // A queue created after DBBC uses them too.
  host_->create_pair(2, 64);
  EXPECT_EQ(changed, 2);
  EXPECT_EQ(ctrl_->doorbells().size(), 2u);

  const auto data = pattern(0, 4096, 3);
  const uint64_t buf = buffer_with(data);
  constexpr int kRounds = 40, kBurst = 8;
  for (uint16_t qid : {1, 2}) {
    for (int round = 0; round < kRounds; ++round) {
      std::vector<uint16_t> cids;
      for (int i = 0; i < kBurst; ++i) {
        Sqe s = host_->rw(io_opcode::kWrite, 1, 8 * i, 8, buf, 4096);
        const uint16_t cid = host_->queue(qid).next_cid++;
        store_le<uint16_t>(s.bytes, 2, cid);
        cids.push_back(cid);
        host_->put(qid, s);
      }
      host_->ring_sq(qid);
      std::vector<Completion> others;
      for (uint16_t cid : cids) {
        bool seen = std::any_of(others.begin(), others.end(), [&](auto& c) { return c.cid == cid; });
        if (!seen) {
          EXPECT_TRUE(host_->wait(qid, cid, &others).ok());
        }
      }
    }
    // One trapped SQ doorbell per burst at most. CQ head doorbells only when
    // EventIdx asks, which it does only when completions wait for room (never
    // here): at most about once per lap of the 64-entry CQ.
    EXPECT_LE(host_->doorbell_writes(sq_tail_doorbell(qid)), uint64_t{kRounds});
    EXPECT_LE(host_->doorbell_writes(cq_head_doorbell(qid)), uint64_t{kRounds * kBurst / 64 + 1});
    // EventIdx of the SQ: the tail consumed.
    const uint32_t tail = host_->queue(qid).sq_tail;
    EXPECT_EQ(image(0, 4096), data);
    (void)tail;
  }
  // Reset forgets the shadow doorbells.
  host_->disable();
  EXPECT_TRUE(ctrl_->doorbells().empty());
  EXPECT_EQ(changed, 3);
}

TEST_F(NvmeControllerTest, SeveralQueuesFromSeveralThreads) {
  bring_up();
  constexpr uint16_t kQueues = 4;
  for (uint16_t q = 1; q <= kQueues; ++q) host_->create_pair(q, 32);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  std::vector<uint64_t> bufs;
  for (uint16_t q = 1; q <= kQueues; ++q) bufs.push_back(host_->alloc(2 * 16384));
  for (uint16_t q = 1; q <= kQueues; ++q) {
    threads.emplace_back([&, q] {
      const uint64_t wbuf = bufs[q - 1], rbuf = wbuf + 16384;
      for (int i = 0; i < 50; ++i) {
        const uint64_t slba = q * 4096 + i * 32;
        const auto data = pattern(slba, 16384, q);
        auto w = host_->bytes(wbuf, 16384);
        std::copy(data.begin(), data.end(), w.begin());
        if (!host_->io(q, host_->rw(io_opcode::kWrite, 1, slba, 32, wbuf, 16384)).ok()) ++failures;
        if (!host_->io(q, host_->rw(io_opcode::kRead, 1, slba, 32, rbuf, 16384)).ok()) ++failures;
        auto r = host_->bytes(rbuf, 16384);
        if (!std::equal(r.begin(), r.end(), data.begin())) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  for (uint16_t q = 1; q <= kQueues; ++q) EXPECT_GT(irq_.count(q), 0u);
}

TEST_F(NvmeControllerTest, ResetMidIoLeavesTheImageConsistentAndQueuesGone) {
  bring_up();
  host_->create_pair(1, 256);
  const auto before = pattern(0, 64 * 1024, 11);
  ASSERT_TRUE(write(1, 0, before).ok());
  // Many writes in flight, then CC.EN = 0 without waiting.
  const uint64_t buf = buffer_with(pattern(1000, 64 * 1024, 12));
  for (int i = 0; i < 200; ++i) host_->put(1, host_->rw(io_opcode::kWrite, 1, 1000 + 128 * i, 128, buf, 64 * 1024));
  host_->ring_sq(1);
  EXPECT_EQ(host_->disable(), 0u);
  // The queues are gone: doorbells do nothing, and after enable queue 1 can
  // be created again.
  host_->write32(sq_tail_doorbell(1), 3);
  ASSERT_EQ(host_->enable(), csts::kRdy);
  host_->create_pair(1, 16);
  EXPECT_EQ(read_back(1, 0, 128), before);
  EXPECT_EQ(image(0, before.size()), before);
  // Every write that reached the engine wrote whole blocks of the pattern or nothing.
  const auto expect = pattern(1000, 64 * 1024, 12);
  for (int i = 0; i < 200; i += 37) {
    const auto got = image((1000 + 128 * uint64_t(i)) * kLba, 64 * 1024);
    for (size_t s = 0; s < got.size(); s += kLba) {
      const bool zero = std::all_of(got.begin() + s, got.begin() + s + kLba, [](uint8_t b) { return b == 0; });
      EXPECT_TRUE(zero || std::equal(got.begin() + s, got.begin() + s + kLba, expect.begin() + s));
    }
  }
}

TEST_F(NvmeControllerTest, DeleteSqPostsInFlightCompletionsFirst) {
  bring_up();
  host_->create_pair(1, 64);
  const uint64_t buf = host_->alloc(65536);
  for (uint16_t i = 0; i < 20; ++i) {
    Sqe s = host_->rw(io_opcode::kWrite, 1, 128 * i, 128, buf, 65536);
    store_le<uint16_t>(s.bytes, 2, i);
    host_->put(1, s);
  }
  host_->ring_sq(1);
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_TRUE(host_->delete_sq(1).ok());
  // Whatever was fetched completed before the delete did; nothing after.
  auto done = host_->reap(1);
  for (const Completion& c : done) EXPECT_TRUE(c.ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(host_->reap(1).empty());
  EXPECT_TRUE(host_->delete_cq(1).ok());
}

TEST_F(NvmeControllerTest, ShutdownFlushesThenReportsComplete) {
  bring_up();
  host_->create_pair(1, 16);
  const auto data = pattern(0, 8192, 5);
  ASSERT_TRUE(write(1, 0, data).ok());
  EXPECT_TRUE(host_->delete_sq(1).ok());
  EXPECT_TRUE(host_->delete_cq(1).ok());
  const uint32_t csts_after = host_->shutdown();
  EXPECT_EQ((csts_after & csts::kShstMask) >> csts::kShstShift, 0b10u);
  EXPECT_TRUE(csts_after & csts::kRdy);
  EXPECT_EQ(image(0, data.size()), data);
  // No admin commands after a shutdown; a reset brings the controller back.
  Sqe ka = make_sqe(admin_opcode::kKeepAlive);
  host_->submit(0, ka);
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(host_->peek(0).has_value());
  host_->disable();
  ASSERT_EQ(host_->enable(), csts::kRdy);
  EXPECT_TRUE(host_->admin(make_sqe(admin_opcode::kKeepAlive)).ok());
}

TEST_F(NvmeControllerTest, ShutdownWithQueuesStillThere) {
  bring_up();
  host_->create_pair(1, 16);
  ASSERT_TRUE(write(1, 0, pattern(0, 4096, 1)).ok());
  EXPECT_EQ((host_->shutdown() & csts::kShstMask) >> csts::kShstShift, 0b10u);
}

TEST_F(NvmeControllerTest, AsyncEventsHeldUntilRaised) {
  bring_up();
  // Not enabled by Asynchronous Event Configuration: dropped.
  ctrl_->raise_async_event(AsyncEventType::kNotice, 0x00, 0x04);
  Sqe aec = make_sqe(admin_opcode::kSetFeatures);
  set_cdw(aec, 10, 0x0b);
  set_cdw(aec, 11, 1u << 8);
  ASSERT_TRUE(host_->admin(aec).ok());
  Sqe aer = make_sqe(admin_opcode::kAsyncEventRequest);
  store_le<uint16_t>(aer.bytes, 2, 31);
  host_->submit(0, aer);
  EXPECT_TRUE(host_->admin(make_sqe(admin_opcode::kKeepAlive)).ok());  // AER still held
  ctrl_->raise_async_event(AsyncEventType::kNotice, 0x00, 0x04);
  Completion c = host_->wait(0, 31);
  EXPECT_TRUE(c.ok());
  EXPECT_EQ(c.dw0, 0x00040002u);
  // AERL + 1 = 4 outstanding at most.
  for (uint16_t i = 0; i < 4; ++i) {
    Sqe s = make_sqe(admin_opcode::kAsyncEventRequest);
    store_le<uint16_t>(s.bytes, 2, 40 + i);
    host_->submit(0, s);
  }
  expect_specific(host_->admin(make_sqe(admin_opcode::kAsyncEventRequest)),
                  CommandSpecificStatus::kAsyncEventRequestLimitExceeded);
  // The notice type stays masked until log page 04h is read... (the fallback
  // log pages do not know 04h, but reading it unmasks notices).
  ctrl_->raise_async_event(AsyncEventType::kNotice, 0x00, 0x04);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_TRUE(host_->reap(0).empty());
  // Error events are not maskable by AEC: invalid doorbell value on an I/O queue.
  host_->create_pair(1, 16);
  host_->write32(sq_tail_doorbell(1), 16);
  std::vector<Completion> got;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (got.empty() && std::chrono::steady_clock::now() < deadline) got = host_->reap(0);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].cid, 40);
  EXPECT_EQ(got[0].dw0, 0x00010100u);  // error, invalid doorbell write value, log 01h
  // A reset drops held requests.
  host_->disable();
  ASSERT_EQ(host_->enable(), csts::kRdy);
  ASSERT_TRUE(host_->admin(aec).ok());
  ctrl_->raise_async_event(AsyncEventType::kNotice, 0x00, 0x04);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_TRUE(host_->reap(0).empty());
  Sqe again = make_sqe(admin_opcode::kAsyncEventRequest);
  store_le<uint16_t>(again.bytes, 2, 77);
  host_->submit(0, again);
  EXPECT_EQ(host_->wait(0, 77).dw0, 0x00040002u);  // the event raised while none was held
}

}  // namespace
}  // namespace zvmm::nvme

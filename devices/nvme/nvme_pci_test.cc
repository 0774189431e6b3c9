// The NVMe PCI function: config space identity, BAR0 (size, 64-bit, routing
// to the MSI-X table and the controller), interrupts through MSI-X and the
// doorbell list that follows shadow doorbells, through a small admin-queue
// driver over guest memory.
#include "devices/nvme/nvme_pci.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "base/le.h"
#include "devices/nvme/controller_regs.h"
#include "devices/pci/bar_mapper.h"
#include "devices/pci/testing/fake_interrupt.h"
#include "devices/pci/testing/fake_ioevent_registrar.h"
#include "vmm/bus.h"
#include "zoned/open_zoned_device.h"
#include "zoned/test_support.h"

namespace zvmm::nvme {
namespace {

constexpr uint64_t kMiB = 1 << 20;
constexpr uint8_t kCapMsix = 0x11;

// Guest physical addresses the test driver uses.
constexpr uint64_t kAsq = 0x10000, kAcq = 0x11000, kIoCq = 0x20000, kIoSq = 0x21000;
constexpr uint64_t kIdentify = 0x30000, kShadow = 0x40000, kEventIdx = 0x41000;
constexpr uint16_t kAdminEntries = 32, kIoEntries = 64;

std::unique_ptr<zoned::ZonedDevice> plain_disk(const std::string& name) {
  zoned::ZonedDeviceSpec spec;
  spec.path = zoned::testing::fresh_temp_path(name);
  spec.plain = true;
  spec.plain_size = 8 * kMiB;
  return zoned::open_zoned_device(spec);
}

ControllerConfig test_config(zoned::ZonedDevice& disk) {
  ControllerConfig c;
  c.serial = "ZVMMTEST0001";
  c.subnqn = "nqn.2026-11.dev.zvmm:ctrl-test";
  c.max_io_queues = 4;
  NamespaceConfig ns{.nsid = 1, .device = &disk};
  ns.nguid[0] = 1;
  ns.eui64[0] = 2;
  ns.uuid[0] = 3;
  c.namespaces.push_back(ns);
  return c;
}

class NvmePciTest : public ::testing::Test {
 protected:
  NvmePciTest()
      : disk_(plain_disk("nvme_pci_test.img")),
        group_(std::make_shared<zvmm::testing::FakeInterruptGroup>(5)),
        fn_(std::make_shared<NvmePciFunction>(test_config(*disk_), mem_, group_)) {}

  void w(uint64_t off, uint64_t v, size_t size) {
    uint8_t b[8];
    for (size_t i = 0; i < size; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
    fn_->write_bar(0, off, std::span<const uint8_t>(b, size));
  }
  uint64_t r(uint64_t off, size_t size) {
    uint8_t b[8] = {};
    fn_->read_bar(0, off, std::span<uint8_t>(b, size));
    uint64_t v = 0;
    for (size_t i = size; i-- > 0;) v = v << 8 | b[i];
    return v;
  }
  uint8_t find_cap(uint8_t id) {
    PciConfigSpace& cfg = fn_->config();
    for (uint8_t p = cfg.read8(pci_reg::kCapabilitiesPointer); p; p = cfg.read8(p + 1)) {
      if (cfg.read8(p) == id) return p;
    }
    return 0;
  }
  // MSI-X on, every vector unmasked (address/data per vector).
  void enable_msix() {
    const uint8_t cap = find_cap(kCapMsix);
    ASSERT_NE(cap, 0);
    const uint8_t ctl[2] = {0, 0x80};
    fn_->write_config(cap + 2, ctl);
    const uint64_t table = fn_->layout().msix_table_offset;
    for (uint32_t v = 0; v < NvmePciFunction::msix_vectors(fn_->controller().config()); ++v) {
      w(table + 16 * v, 0xfee00000, 4);
      w(table + 16 * v + 8, 0x40 + v, 4);
      w(table + 16 * v + 12, 0, 4);
    }
  }

  // --- A minimal NVMe driver: the steps Linux's nvme_pci_configure_admin_queue
  // and nvme_enable_ctrl take, and admin commands on a 32-entry admin queue.
  void enable_controller() {
    w(reg::kAqa, (kAdminEntries - 1) | (kAdminEntries - 1) << 16, 4);
    w(reg::kAsq, kAsq, 4);
    w(reg::kAsq + 4, 0, 4);
    w(reg::kAcq, kAcq, 4);
    w(reg::kAcq + 4, 0, 4);
    w(reg::kCc, 6u << 16 | 4u << 20, 4);      // IOSQES 6, IOCQES 4, EN 0
    w(reg::kCc, 6u << 16 | 4u << 20 | 1, 4);  // EN 1
    wait_for([&] { return (r(reg::kCsts, 4) & 1) != 0; }, "CSTS.RDY");
  }
  template <typename Pred>
  void wait_for(Pred pred, const char* what) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!pred()) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "timed out waiting for " << what;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  // Submits one admin command (CDW10.. from `cdw`) and returns its CQE's
  // status field (SC | SCT << 8, 0 = success).
  uint16_t admin(uint8_t opcode, uint64_t prp1, uint64_t prp2, std::initializer_list<uint32_t> cdw,
                 uint32_t nsid = 0) {
    std::array<uint8_t, 64> sqe{};
    const uint16_t cid = static_cast<uint16_t>(0x100 + sq_tail_);
    sqe[0] = opcode;
    store_le<uint16_t>(sqe, 2, cid);
    store_le<uint32_t>(sqe, 4, nsid);
    store_le<uint64_t>(sqe, 24, prp1);
    store_le<uint64_t>(sqe, 32, prp2);
    size_t off = 40;
    for (uint32_t d : cdw) {
      store_le<uint32_t>(sqe, off, d);
      off += 4;
    }
    EXPECT_TRUE(mem_.write(kAsq + 64 * sq_tail_, sqe));
    sq_tail_ = (sq_tail_ + 1) % kAdminEntries;
    w(sq_tail_doorbell(0), sq_tail_, 4);
    const uint64_t cqe = kAcq + 16 * cq_head_;
    uint32_t dw3 = 0;
    wait_for(
        [&] {
          dw3 = *mem_.read_le<uint32_t>(cqe + 12);
          return ((dw3 >> 16) & 1) == phase_;
        },
        "an admin completion");
    EXPECT_EQ(dw3 & 0xffff, cid);
    cq_head_ = (cq_head_ + 1) % kAdminEntries;
    if (cq_head_ == 0) phase_ ^= 1;
    w(cq_head_doorbell(0), cq_head_, 4);
    return static_cast<uint16_t>(dw3 >> 17 & 0x7ff);
  }
  // Create I/O CQ + SQ `qid` (Linux's order), interrupts on vector qid.
  void create_io_queue_pair(uint16_t qid) {
    const uint64_t cq = kIoCq + 0x2000 * (qid - 1), sq = kIoSq + 0x2000 * (qid - 1);
    ASSERT_EQ(admin(0x05, cq, 0, {uint32_t{qid} | (kIoEntries - 1u) << 16, 0x3u | uint32_t{qid} << 16}), 0);
    ASSERT_EQ(admin(0x01, sq, 0, {uint32_t{qid} | (kIoEntries - 1u) << 16, 0x1u | uint32_t{qid} << 16}), 0);
  }

  GuestMemory mem_ = GuestMemory::create(16 * kMiB);
  std::unique_ptr<zoned::ZonedDevice> disk_;
  std::shared_ptr<zvmm::testing::FakeInterruptGroup> group_;
  std::shared_ptr<NvmePciFunction> fn_;
  uint16_t sq_tail_ = 0, cq_head_ = 0;
  uint32_t phase_ = 1;
};

TEST_F(NvmePciTest, ConfigSpaceIdentity) {
  PciConfigSpace& cfg = fn_->config();
  EXPECT_EQ(cfg.read16(pci_reg::kVendorId), kPciVendorId);
  EXPECT_EQ(cfg.read16(pci_reg::kDeviceId), kPciDeviceId);
  EXPECT_NE(kPciDeviceId, 0x0010);  // QEMU's id: Linux's NVME_QUIRK_BOGUS_NID
  EXPECT_EQ(cfg.read8(pci_reg::kClassCode), 0x02);      // prog-if: NVM Express
  EXPECT_EQ(cfg.read8(pci_reg::kClassCode + 1), 0x08);  // subclass: non-volatile memory
  EXPECT_EQ(cfg.read8(pci_reg::kClassCode + 2), 0x01);  // class: mass storage
  EXPECT_EQ(cfg.read16(pci_reg::kSubsystemVendorId), kPciSubsystemVendorId);
  EXPECT_EQ(cfg.read16(pci_reg::kSubsystemId), kPciSubsystemId);
  EXPECT_EQ(cfg.read8(pci_reg::kInterruptPin), 0);  // MSI-X only
  EXPECT_TRUE(cfg.read16(pci_reg::kStatus) & pci_reg::kStatusCapabilitiesList);
  EXPECT_NE(find_cap(kCapMsix), 0);
}

TEST_F(NvmePciTest, Bar0Is64BitAndSizedByTheLayout) {
  const Bar0Layout want = bar0_layout(4, 5);
  EXPECT_EQ(fn_->layout().size, want.size);
  EXPECT_EQ(fn_->layout().msix_table_offset, want.msix_table_offset);
  EXPECT_GE(want.size, 0x2000u);  // Linux maps 1000h + 4096 at probe
  const std::optional<PciBarSpec> bar = fn_->config().bar(0);
  ASSERT_TRUE(bar);
  EXPECT_EQ(bar->kind, PciBarKind::kMem64);
  EXPECT_EQ(bar->size, want.size);
  EXPECT_FALSE(fn_->config().bar(1));  // the upper half
  EXPECT_EQ(fn_->config().read32(pci_reg::kBar0) & 0x7, 0x4u);  // memory, 64-bit, not prefetchable
  // Sizing as firmware does it: all ones reads back the size mask.
  const uint8_t ones[4] = {0xff, 0xff, 0xff, 0xff};
  fn_->write_config(pci_reg::kBar0, ones);
  fn_->write_config(pci_reg::kBar0 + 4, ones);
  EXPECT_EQ(fn_->config().read32(pci_reg::kBar0) & ~0xfu, static_cast<uint32_t>(~(want.size - 1)) & ~0xfu);
  EXPECT_EQ(fn_->config().read32(pci_reg::kBar0 + 4), 0xffffffffu);
}

TEST_F(NvmePciTest, MsixCapabilityPointsIntoBar0) {
  const uint8_t cap = find_cap(kCapMsix);
  ASSERT_NE(cap, 0);
  PciConfigSpace& cfg = fn_->config();
  EXPECT_EQ((cfg.read16(cap + 2) & 0x7ff) + 1, 5);  // one vector per CQ: admin + 4 I/O
  EXPECT_EQ(cfg.read32(cap + 4), fn_->layout().msix_table_offset | kRegisterBar);
  EXPECT_EQ(cfg.read32(cap + 8), fn_->layout().msix_pba_offset | kRegisterBar);
  // Table entries through BAR0: written and read back, masked at reset.
  const uint64_t table = fn_->layout().msix_table_offset;
  EXPECT_EQ(r(table + 16 * 4 + 12, 4), 1u);  // vector control: masked
  w(table + 16 * 4, 0xfee01000, 4);
  w(table + 16 * 4 + 8, 0x77, 4);
  EXPECT_EQ(r(table + 16 * 4, 4), 0xfee01000u);
  EXPECT_EQ(r(table + 16 * 4 + 8, 4), 0x77u);
  EXPECT_EQ(r(fn_->layout().msix_pba_offset, 8), 0u);
  // Between the doorbells and the table: nothing, reads 0.
  EXPECT_EQ(r(fn_->layout().doorbells_end, 4), 0u);
  EXPECT_EQ(r(table - 4, 4), 0u);
}

TEST_F(NvmePciTest, RegistersThroughBar0) {
  const uint64_t cap = r(reg::kCap, 4) | r(reg::kCap + 4, 4) << 32;  // two halves, as Linux reads it
  EXPECT_EQ(cap, r(reg::kCap, 8));
  EXPECT_EQ(cap & 0xffff, fn_->controller().config().registers.mqes);
  EXPECT_TRUE(cap >> 37 & 1);           // CSS: NVM
  EXPECT_TRUE(cap >> 43 & 1);           // CSS: I/O command sets
  EXPECT_EQ(cap >> 48 & 0xf, 0u);       // MPSMIN 4 KiB
  EXPECT_EQ(r(reg::kVs, 4), 0x00010400u);  // 1.4
  EXPECT_EQ(r(reg::kCsts, 4), 0u);
  enable_controller();
  EXPECT_EQ(r(reg::kCsts, 4) & 3, 1u);  // RDY, no CFS
}

TEST_F(NvmePciTest, AdminCompletionRaisesVectorZero) {
  enable_msix();
  enable_controller();
  group_->triggers.clear();
  ASSERT_EQ(admin(0x06, kIdentify, 0, {1}), 0);  // Identify Controller
  std::array<uint8_t, 20> sn{};
  ASSERT_TRUE(mem_.read(kIdentify + 4, sn));
  EXPECT_EQ(std::string(sn.begin(), sn.end()), "ZVMMTEST0001        ");
  wait_for([&] { return !group_->triggers.empty(); }, "an interrupt");
  EXPECT_EQ(group_->triggers.front(), 0u);
}

// Plugged into a BAR mapper, as PciRoot does: no doorbell is an ioeventfd
// until shadow doorbells are on; then the I/O SQ tails are, and the list
// follows queue creation and deletion and controller reset.
TEST_F(NvmePciTest, DoorbellListFollowsShadowDoorbells) {
  zvmm::testing::FakeIoEventRegistrar ioevents;
  Bus mmio, pio;
  PciBarMapper mapper(mmio, pio, ioevents);
  constexpr uint64_t kBase = 0x8000'0000;
  fn_->config().set_bar_address(0, kBase);
  fn_->config().set16(pci_reg::kCommand, pci_reg::kCommandMemory | pci_reg::kCommandBusMaster);
  mapper.sync(fn_);
  int changes = 0;
  fn_->set_doorbells_changed([&] {
    ++changes;
    mapper.refresh_doorbells(*fn_);
  });
  EXPECT_TRUE(fn_->doorbells().empty());
  EXPECT_TRUE(ioevents.registered.empty());

  enable_controller();
  create_io_queue_pair(1);
  create_io_queue_pair(2);
  EXPECT_TRUE(fn_->doorbells().empty());  // still trapped: the controller needs the written value
  ASSERT_EQ(admin(0x7c, kShadow, kEventIdx, {}), 0);  // Doorbell Buffer Config
  EXPECT_GE(changes, 1);
  const std::vector<PciDoorbell> list = fn_->doorbells();
  ASSERT_FALSE(list.empty());
  for (const PciDoorbell& d : list) {
    EXPECT_EQ(d.bar, kRegisterBar);
    EXPECT_EQ(d.len, 4u);
    EXPECT_FALSE(d.datamatch);
    EXPECT_NE(d.event, nullptr);
    EXPECT_GE(d.offset, 0x1000u);
    EXPECT_LT(d.offset, fn_->layout().doorbells_end);
  }
  const auto has = [&](uint64_t offset) {
    for (const PciDoorbell& d : fn_->doorbells()) {
      if (d.offset == offset) return true;
    }
    return false;
  };
  EXPECT_TRUE(has(sq_tail_doorbell(1)));
  EXPECT_TRUE(has(sq_tail_doorbell(2)));
  EXPECT_FALSE(has(sq_tail_doorbell(0)));  // the admin queue never uses shadow doorbells
  // Registered at the BAR's address.
  EXPECT_EQ(ioevents.registered.size(), fn_->doorbells().size());
  EXPECT_TRUE(ioevents.fd_at(kBase + sq_tail_doorbell(1)));

  // Delete SQ 2 then CQ 2: its doorbell goes away.
  const int before = changes;
  ASSERT_EQ(admin(0x00, 0, 0, {2}), 0);
  ASSERT_EQ(admin(0x04, 0, 0, {2}), 0);
  EXPECT_GT(changes, before);
  EXPECT_FALSE(has(sq_tail_doorbell(2)));
  EXPECT_FALSE(ioevents.fd_at(kBase + sq_tail_doorbell(2)));
  EXPECT_TRUE(has(sq_tail_doorbell(1)));
  // Created again (the controller's new EventFd may reuse the old one's
  // address and fd number): registered again, without errors.
  const size_t unregisters = ioevents.unregister_calls;
  create_io_queue_pair(2);
  EXPECT_TRUE(has(sq_tail_doorbell(2)));
  EXPECT_TRUE(ioevents.fd_at(kBase + sq_tail_doorbell(2)));
  EXPECT_EQ(ioevents.registered.size(), fn_->doorbells().size());
  EXPECT_GE(ioevents.unregister_calls, unregisters);

  // Controller reset (CC.EN 0): every queue and shadow doorbells gone.
  w(reg::kCc, 0, 4);
  wait_for([&] { return (r(reg::kCsts, 4) & 1) == 0; }, "CSTS.RDY 0");
  EXPECT_TRUE(fn_->doorbells().empty());
  EXPECT_TRUE(ioevents.registered.empty());
  fn_->set_doorbells_changed({});
}

TEST_F(NvmePciTest, StopIsFinalAndIdempotent) {
  enable_controller();
  fn_->stop();
  fn_->stop();
  // Accesses after stop are harmless.
  (void)r(reg::kCsts, 4);
  w(sq_tail_doorbell(0), 1, 4);
}

TEST_F(NvmePciTest, AccessesOutsideTheLayoutAreHarmless) {
  uint8_t b[4] = {1, 2, 3, 4};
  fn_->write_bar(1, 0, b);  // no BAR1 of its own (BAR0's upper half)
  fn_->read_bar(1, 0, b);
  EXPECT_EQ(b[0], 0);
  fn_->write_bar(0, fn_->layout().size - 4, b);
  fn_->read_bar(0, fn_->layout().doorbells_end + 8, b);
  EXPECT_EQ(b[0], 0);
  fn_->write_bar(0, 0x1000 + 8 * 100, b);  // a doorbell of a queue beyond max_io_queues
}

}  // namespace
}  // namespace zvmm::nvme

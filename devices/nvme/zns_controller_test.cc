// The NVMe controller serving a Zoned Namespace (CSI 02h) over a real
// host-managed zoned image, driven through FakeHost (the admin and I/O
// queues as Linux's nvme-pci drives them): Identify for CSI 2, Zone
// Management Send/Receive, Zone Append, zone errors, the controller reset /
// shutdown / restart rule for open zones, the Changed Zone List and its
// asynchronous event, and CC.CSS 000b.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "devices/nvme/identify.h"
#include "devices/nvme/nvme_controller.h"
#include "devices/nvme/testing/fake_host.h"
#include "devices/nvme/zns_commands.h"
#include "vmm/layout.h"
#include "zoned/test_support.h"
#include "zoned/zoned_image.h"

namespace zvmm::nvme {
namespace {

using layout::KiB;
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
constexpr uint32_t kLba = 4096;
constexpr uint64_t kZoneLbas = MiB / kLba;       // ZSZE 256
constexpr uint64_t kZoneCapLbas = 768 * KiB / kLba;  // ZCAP 192
constexpr uint32_t kZones = 16;
constexpr uint32_t kZnsNsid = 1, kNvmNsid = 2;

// Zone states as the ZS field holds them (bits 7:4).
constexpr uint8_t kZse = 0x10, kZsio = 0x20, kZseo = 0x30, kZsc = 0x40, kZsro = 0xd0, kZsf = 0xe0;

zoned::ZoneGeometry zns_geometry() {
  return zoned::ZoneGeometry::from_config({.device_bytes = kZones * MiB,
                                           .zone_size_bytes = MiB,
                                           .zone_capacity_bytes = 768 * KiB,
                                           .max_open = 2,
                                           .max_active = 3,
                                           .max_append_bytes = 64 * KiB,
                                           .logical_block_size = kLba,
                                           .model = zoned::ZonedModel::kHostManaged,
                                           .allow_smaller_last_zone = false});
}

struct Zone {
  uint8_t zt = 0, zs = 0;
  uint64_t zcap = 0, zslba = 0, wp = 0;
};

class ZnsControllerTest : public ::testing::Test {
 protected:
  ZnsControllerTest() {
    zoned::ZonedImage::create(path_, zns_geometry(), true);
    open_device();
    start();
  }
  ~ZnsControllerTest() override { stop(); }

  void open_device() {
    auto image = zoned::ZonedImage::open(path_, zns_geometry());
    data_offset_ = image->layout().data_offset;
    device_ = zoned::ZonedImage::into_device(std::move(image));
  }
  void start() {
    ControllerConfig c;
    c.serial = "ZVMMZNS01";
    c.subnqn = "nqn.2025-01.io.zvmm:zns";
    c.max_io_queues = 2;
    NamespaceConfig zns;
    zns.nsid = kZnsNsid;
    zns.device = device_.get();
    zns.nguid[0] = 1;
    zns.eui64[0] = 1;
    NamespaceConfig nvm;
    nvm.nsid = kNvmNsid;
    nvm.device = plain_.engine.get();
    nvm.nguid[0] = 2;
    nvm.eui64[0] = 2;
    c.namespaces = {zns, nvm};
    ctrl_ = std::make_unique<NvmeController>(c, mem_, irq_);
    host_ = std::make_unique<FakeHost>(*ctrl_, mem_, kArena, kArenaBytes);
  }
  void stop() {
    host_.reset();
    ctrl_.reset();
  }
  // A new zvmm on the same image: controller and device gone, image reopened.
  void restart() {
    stop();
    device_.reset();
    open_device();
    start();
  }
  void bring_up(uint8_t css = cc::kCssAllIoSets) {
    ASSERT_EQ(host_->enable(32, {}, {}, css), csts::kRdy);
    host_->create_pair(1, 32);
  }

  void expect_status(const Completion& c, StatusCodeType sct, uint8_t sc, bool dnr = true) {
    EXPECT_EQ(c.sct(), static_cast<uint8_t>(sct)) << std::hex << c.status;
    EXPECT_EQ(c.sc(), sc) << std::hex << c.status;
    EXPECT_EQ(c.dnr(), dnr) << std::hex << c.status;
  }
  void expect_generic(const Completion& c, GenericStatus s) {
    expect_status(c, StatusCodeType::kGeneric, static_cast<uint8_t>(s));
  }
  void expect_specific(const Completion& c, CommandSpecificStatus s) {
    expect_status(c, StatusCodeType::kCommandSpecific, static_cast<uint8_t>(s));
  }

  Completion identify_csi(uint8_t cns, uint32_t nsid, uint8_t csi, std::vector<uint8_t>* out) {
    const uint64_t buf = host_->alloc(4096);
    Sqe s = make_sqe(admin_opcode::kIdentify, 0, nsid);
    set_prps(s, buf, 0);
    set_cdw(s, 10, cns);
    set_cdw(s, 11, uint32_t{csi} << 24);
    Completion c = host_->admin(s);
    auto b = host_->bytes(buf, 4096);
    out->assign(b.begin(), b.end());
    return c;
  }
  Completion get_log(uint8_t lid, uint32_t nsid, uint8_t csi, bool rae, std::vector<uint8_t>* out,
                     uint32_t bytes = 4096) {
    const uint64_t buf = host_->alloc(4096);
    Sqe s = make_sqe(admin_opcode::kGetLogPage, 0, nsid);
    set_prps(s, buf, 0);
    set_cdw(s, 10, lid | (rae ? 1u << 15 : 0u) | (bytes / 4 - 1) << 16);
    set_cdw(s, 14, uint32_t{csi} << 24);
    Completion c = host_->admin(s);
    auto b = host_->bytes(buf, bytes);
    out->assign(b.begin(), b.end());
    return c;
  }
  Completion set_features(uint8_t fid, uint32_t cdw11) {
    Sqe s = make_sqe(admin_opcode::kSetFeatures);
    set_cdw(s, 10, fid);
    set_cdw(s, 11, cdw11);
    return host_->admin(s);
  }

  uint64_t buffer_with(const std::vector<uint8_t>& data) {
    const uint64_t gpa = host_->alloc(data.size());
    auto b = host_->bytes(gpa, data.size());
    std::copy(data.begin(), data.end(), b.begin());
    return gpa;
  }
  Completion write(uint64_t slba, uint32_t nlb, uint32_t salt = 1, uint32_t nsid = kZnsNsid) {
    const auto data = pattern(slba * 8, uint64_t{nlb} * kLba, salt);
    return host_->io(1, host_->rw(io_opcode::kWrite, nsid, slba, nlb, buffer_with(data), data.size()));
  }
  std::vector<uint8_t> read(uint64_t slba, uint32_t nlb, Completion* c = nullptr) {
    const uint64_t gpa = host_->alloc(uint64_t{nlb} * kLba);
    Completion r = host_->io(1, host_->rw(io_opcode::kRead, kZnsNsid, slba, nlb, gpa, uint64_t{nlb} * kLba));
    if (c) *c = r;
    else EXPECT_TRUE(r.ok()) << std::hex << r.status;
    auto b = host_->bytes(gpa, uint64_t{nlb} * kLba);
    return {b.begin(), b.end()};
  }
  Completion append(uint64_t zslba, const std::vector<uint8_t>& data) {
    return host_->io(1, host_->rw(io_opcode::kZoneAppend, kZnsNsid, zslba, data.size() / kLba,
                                  buffer_with(data), data.size()));
  }
  Completion zms(uint8_t zsa, uint64_t slba, bool select_all = false, uint32_t nsid = kZnsNsid) {
    Sqe s = make_sqe(io_opcode::kZoneManagementSend, 0, nsid);
    set_cdw(s, 10, static_cast<uint32_t>(slba));
    set_cdw(s, 11, static_cast<uint32_t>(slba >> 32));
    set_cdw(s, 13, zsa | (select_all ? 1u << 8 : 0u));
    return host_->io(1, s);
  }
  // Zone Management Receive of `bytes` (a multiple of 4) into a buffer first
  // filled with AAh (to see the zero padding).
  Completion zmr(uint64_t slba, uint64_t bytes, uint8_t zrasf, bool partial, std::vector<uint8_t>* out,
                 uint32_t nsid = kZnsNsid) {
    const uint64_t gpa = host_->alloc(bytes);
    auto b = host_->bytes(gpa, bytes);
    std::fill(b.begin(), b.end(), 0xaa);
    Sqe s = host_->rw(io_opcode::kZoneManagementReceive, nsid, slba, 1, gpa, bytes);
    set_cdw(s, 12, static_cast<uint32_t>(bytes / 4 - 1));
    set_cdw(s, 13, uint32_t{zrasf} << 8 | (partial ? 1u << 16 : 0u));
    Completion c = host_->io(1, s);
    out->assign(b.begin(), b.end());
    return c;
  }
  std::vector<Zone> report(uint8_t zrasf = 0) {
    std::vector<uint8_t> d;
    Completion c = zmr(0, 64 + 64 * kZones, zrasf, true, &d);
    EXPECT_TRUE(c.ok()) << std::hex << c.status;
    std::vector<Zone> zones(load_le<uint64_t>(d, 0));
    for (size_t i = 0; i < zones.size(); ++i) {
      const size_t o = 64 + 64 * i;
      zones[i] = {.zt = d[o], .zs = d[o + 1], .zcap = load_le<uint64_t>(d, o + 8),
                  .zslba = load_le<uint64_t>(d, o + 16), .wp = load_le<uint64_t>(d, o + 24)};
    }
    return zones;
  }
  std::vector<uint8_t> image_bytes(uint64_t lba, size_t n) {
    std::vector<uint8_t> b(n);
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::pread(fd, b.data(), n, static_cast<off_t>(data_offset_ + lba * kLba)), static_cast<ssize_t>(n));
    ::close(fd);
    return b;
  }

  const std::string path_ = zoned::testing::fresh_temp_path("zns_controller.img");
  uint64_t data_offset_ = 0;
  std::unique_ptr<zoned::ZoneEngine> device_;
  zoned::testing::EngineFixture plain_{
      {.device_bytes = 4 * MiB, .zone_size_bytes = MiB, .logical_block_size = kLba, .model = zoned::ZonedModel::kNone},
      "zns_controller_plain.img"};
  GuestMemory mem_ = GuestMemory::create(kRam);
  CountingInterrupt irq_;
  std::unique_ptr<NvmeController> ctrl_;
  std::unique_ptr<FakeHost> host_;
};

TEST_F(ZnsControllerTest, IdentifyForCsi2ThroughTheAdminQueue) {
  ASSERT_EQ(host_->enable(), csts::kRdy);
  std::vector<uint8_t> id;
  ASSERT_TRUE(host_->identify(cns::kController, 0, &id).ok());
  EXPECT_TRUE(load_le<uint32_t>(id, 92) & (1u << 27));  // OAES: Zone Descriptor Changed Notices
  // CNS 1Ch: vector 0 = NVM | ZNS.
  ASSERT_TRUE(identify_csi(cns::kIoCommandSet, 0, 0, &id).ok());
  EXPECT_EQ(load_le<uint64_t>(id, 0), 0b101u);
  // CNS 03h: the CSI descriptor says 2 for the zoned namespace, 0 for the other.
  auto csi_of = [&](uint32_t nsid) -> int {
    EXPECT_TRUE(host_->identify(cns::kNamespaceDescriptorList, nsid, &id).ok());
    for (size_t o = 0; o + 4 <= id.size() && id[o + 1] != 0; o += 4 + id[o + 1]) {
      if (id[o] == 4) return id[o + 4];
    }
    return -1;
  };
  EXPECT_EQ(csi_of(kZnsNsid), 2);
  EXPECT_EQ(csi_of(kNvmNsid), 0);
  // CNS 00h: NSZE = zones * ZSZE, 4 KiB LBAs.
  ASSERT_TRUE(host_->identify(cns::kNamespace, kZnsNsid, &id).ok());
  EXPECT_EQ(load_le<uint64_t>(id, 0), kZones * kZoneLbas);
  EXPECT_EQ(id[130], 12);
  // CNS 05h CSI 2: ZOC 0, OZCS RAZB, MAR 2 and MOR 1 (0's based), ZSZE.
  ASSERT_TRUE(identify_csi(cns::kCsNamespace, kZnsNsid, csi::kZoned, &id).ok());
  EXPECT_EQ(load_le<uint16_t>(id, 0), 0u);
  EXPECT_EQ(load_le<uint16_t>(id, 2), 1u);
  EXPECT_EQ(load_le<uint32_t>(id, 4), 2u);
  EXPECT_EQ(load_le<uint32_t>(id, 8), 1u);
  EXPECT_EQ(load_le<uint64_t>(id, 2816), kZoneLbas);
  EXPECT_EQ(id[2824], 0);  // ZDES
  expect_generic(identify_csi(cns::kCsNamespace, kNvmNsid, csi::kZoned, &id), GenericStatus::kInvalidField);
  // CNS 06h CSI 2: ZASL 4 (64 KiB max append in 4 KiB units, below MDTS 512 KiB).
  ASSERT_TRUE(identify_csi(cns::kCsController, 0, csi::kZoned, &id).ok());
  EXPECT_EQ(id[0], 4);
  // CNS 07h CSI 2: only the zoned namespace.
  ASSERT_TRUE(identify_csi(cns::kCsActiveNamespaceList, 0, csi::kZoned, &id).ok());
  EXPECT_EQ(load_le<uint32_t>(id, 0), kZnsNsid);
  EXPECT_EQ(load_le<uint32_t>(id, 4), 0u);
  // Commands Supported and Effects, CSI 2: Zone Append (and the other two) supported.
  std::vector<uint8_t> log;
  ASSERT_TRUE(get_log(0x05, 0, csi::kZoned, false, &log).ok());
  for (uint8_t op : {io_opcode::kZoneManagementSend, io_opcode::kZoneManagementReceive, io_opcode::kZoneAppend}) {
    EXPECT_TRUE(load_le<uint32_t>(log, 1024 + 4 * op) & 1) << int(op);
  }
}

TEST_F(ZnsControllerTest, ReportZonesAfterWrites) {
  bring_up();
  ASSERT_TRUE(write(0, 3).ok());
  ASSERT_TRUE(write(kZoneLbas, 1).ok());
  ASSERT_TRUE(write(kZoneLbas + 1, 2).ok());
  std::vector<Zone> zones = report();
  ASSERT_EQ(zones.size(), kZones);
  for (uint32_t i = 0; i < kZones; ++i) {
    EXPECT_EQ(zones[i].zt, 2);
    EXPECT_EQ(zones[i].zcap, kZoneCapLbas);
    EXPECT_EQ(zones[i].zslba, i * kZoneLbas);
  }
  EXPECT_EQ(zones[0].zs, kZsio);
  EXPECT_EQ(zones[0].wp, 3u);  // LBAs, not sectors
  EXPECT_EQ(zones[1].zs, kZsio);
  EXPECT_EQ(zones[1].wp, kZoneLbas + 3);
  EXPECT_EQ(zones[2].zs, kZse);
  EXPECT_EQ(zones[2].wp, 2 * kZoneLbas);
  // Filter: implicitly open zones only.
  zones = report(0x02);
  ASSERT_EQ(zones.size(), 2u);
  EXPECT_EQ(zones[1].zslba, kZoneLbas);
  // Header only, without Partial: NR_ZONES = every matching zone from SLBA.
  std::vector<uint8_t> d;
  ASSERT_TRUE(zmr(kZoneLbas + 5, 64, 0, false, &d).ok());
  EXPECT_EQ(load_le<uint64_t>(d, 0), kZones - 1);
  ASSERT_TRUE(zmr(0, 64, 0x01, false, &d).ok());
  EXPECT_EQ(load_le<uint64_t>(d, 0), kZones - 2u);  // empty zones
  // With Partial: the descriptors transferred; the rest of the buffer zeroed.
  ASSERT_TRUE(zmr(0, 64 + 64 * 2 + 60, 0, true, &d).ok());
  EXPECT_EQ(load_le<uint64_t>(d, 0), 2u);
  for (size_t i = 64 + 128; i < d.size(); ++i) ASSERT_EQ(d[i], 0) << i;
  // A multi-page report (PRP list) of every zone from zone 3.
  ASSERT_TRUE(zmr(3 * kZoneLbas, 3 * 4096, 0, true, &d).ok());
  EXPECT_EQ(load_le<uint64_t>(d, 0), kZones - 3u);
  EXPECT_EQ(load_le<uint64_t>(d, 64 + 16), 3 * kZoneLbas);
  // Errors: SLBA beyond NSZE, buffer below the header, bad ZRASF, extended report.
  expect_generic(zmr(kZones * kZoneLbas, 4096, 0, false, &d), GenericStatus::kLbaOutOfRange);
  expect_generic(zmr(0, 32, 0, false, &d), GenericStatus::kInvalidField);
  expect_generic(zmr(0, 4096, 0x08, false, &d), GenericStatus::kInvalidField);
  // The NVM namespace has no zone commands.
  expect_generic(zmr(0, 4096, 0, false, &d, kNvmNsid), GenericStatus::kInvalidOpcode);
  expect_generic(zms(0x04, 0, false, kNvmNsid), GenericStatus::kInvalidOpcode);
}

TEST_F(ZnsControllerTest, AppendReturnsAlbaAndTheDataLandsThere) {
  bring_up();
  const uint64_t z2 = 2 * kZoneLbas;
  ASSERT_TRUE(write(z2, 5).ok());
  const auto a = pattern(1000, 2 * kLba, 7), b = pattern(2000, 3 * kLba, 8);
  Completion c = append(z2, a);
  ASSERT_TRUE(c.ok()) << std::hex << c.status;
  EXPECT_EQ(c.dw0, z2 + 5);  // ALBA, LBAs
  EXPECT_EQ(c.dw1, 0u);
  c = append(z2, b);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.dw0, z2 + 7);
  EXPECT_EQ(image_bytes(z2 + 5, a.size()), a);
  EXPECT_EQ(image_bytes(z2 + 7, b.size()), b);
  EXPECT_EQ(read(z2 + 5, 2), a);
  EXPECT_EQ(report()[2].wp, z2 + 10);
  // ZASL: 64 KiB is the limit; 68 KiB is Invalid Field. Not a zone start: Invalid Field.
  ASSERT_TRUE(append(z2, pattern(0, 64 * KiB)).ok());
  expect_generic(append(z2, pattern(0, 68 * KiB)), GenericStatus::kInvalidField);
  expect_generic(append(z2 + 1, a), GenericStatus::kInvalidField);
  // Filling the capacity with appends makes the zone FULL; then Zone Is Full.
  ASSERT_TRUE(zms(0x04, z2).ok());
  for (uint64_t done = 0; done < kZoneCapLbas; done += 16) ASSERT_TRUE(append(z2, pattern(0, 64 * KiB)).ok());
  EXPECT_EQ(report()[2].zs, kZsf);
  expect_specific(append(z2, a), CommandSpecificStatus::kZoneIsFull);
}

TEST_F(ZnsControllerTest, ZoneErrorsCarryTheirStatusAndDnr) {
  bring_up();
  // Write not at the write pointer.
  ASSERT_TRUE(write(0, 2).ok());
  expect_specific(write(5, 1), CommandSpecificStatus::kZoneInvalidWrite);
  // Write across the capacity (192 LBAs): 100 + 100.
  ASSERT_TRUE(write(kZoneLbas, 100).ok());
  expect_specific(write(kZoneLbas + 100, 100), CommandSpecificStatus::kZoneBoundaryError);
  ASSERT_TRUE(zms(0x02, kZoneLbas).ok());
  // Finish, then write into the full zone.
  ASSERT_TRUE(zms(0x02, 3 * kZoneLbas).ok());
  std::vector<Zone> zones = report();
  EXPECT_EQ(zones[3].zs, kZsf);
  EXPECT_EQ(zones[3].wp, ~uint64_t{0});  // not valid for FULL zones
  expect_specific(write(3 * kZoneLbas, 1), CommandSpecificStatus::kZoneIsFull);
  // Reads above the write pointer succeed (zeros), also across zones (RAZB).
  Completion rc;
  const auto zeros = read(8 * kZoneLbas - 1, 2, &rc);
  EXPECT_TRUE(rc.ok());
  EXPECT_EQ(zeros, std::vector<uint8_t>(2 * kLba, 0));
  // Invalid transitions: close an empty zone, open a full one.
  expect_specific(zms(0x01, 8 * kZoneLbas), CommandSpecificStatus::kInvalidZoneStateTransition);
  expect_specific(zms(0x03, 3 * kZoneLbas), CommandSpecificStatus::kInvalidZoneStateTransition);
  // Open resources (max open 2): two explicitly open zones; a third explicit
  // open has no implicitly open zone to close: BEh.
  ASSERT_TRUE(zms(0x04, 0, true).ok());
  ASSERT_TRUE(zms(0x03, 4 * kZoneLbas).ok());
  ASSERT_TRUE(zms(0x03, 5 * kZoneLbas).ok());
  expect_specific(zms(0x03, 6 * kZoneLbas), CommandSpecificStatus::kTooManyOpenZones);
  // Active resources (max active 3): 4 open, 0 closed with data, 1
  // implicitly open with data: a write to an empty zone is BDh (the
  // implicitly open zone holds data: closing it frees no active slot).
  ASSERT_TRUE(zms(0x01, 5 * kZoneLbas).ok());  // nothing written: EMPTY
  ASSERT_TRUE(write(0, 1).ok());
  ASSERT_TRUE(zms(0x01, 0).ok());
  ASSERT_TRUE(write(kZoneLbas, 1).ok());
  zones = report();
  EXPECT_EQ(zones[0].zs, kZsc);
  EXPECT_EQ(zones[1].zs, kZsio);
  EXPECT_EQ(zones[4].zs, kZseo);
  EXPECT_EQ(zones[5].zs, kZse);
  expect_specific(write(2 * kZoneLbas, 1), CommandSpecificStatus::kTooManyActiveZones);
  // SLBA not a zone start: Invalid Field; beyond NSZE: LBA Out of Range; bad ZSA.
  expect_generic(zms(0x04, 1), GenericStatus::kInvalidField);
  expect_generic(zms(0x04, kZones * kZoneLbas), GenericStatus::kLbaOutOfRange);
  expect_generic(zms(0x07, 0), GenericStatus::kInvalidField);
  // ZRWA flush: not offered (B6h).
  expect_specific(zms(0x11, 0), CommandSpecificStatus::kInvalidZoneOperationRequest);
  // A READ ONLY zone (injected): writes BAh; reset BFh (the engine's rule:
  // nothing but offline leaves READ ONLY); offline works.
  ASSERT_EQ(device_->inject_condition(9 * kZoneLbas * 8, zoned::ZoneCondition::kReadOnly), zoned::ZoneStatus::kOk);
  expect_specific(write(9 * kZoneLbas, 1), CommandSpecificStatus::kZoneIsReadOnly);
  expect_specific(zms(0x04, 9 * kZoneLbas), CommandSpecificStatus::kInvalidZoneStateTransition);
  EXPECT_EQ(report()[9].zs, kZsro);
  ASSERT_TRUE(zms(0x05, 9 * kZoneLbas).ok());
  expect_specific(write(9 * kZoneLbas, 1), CommandSpecificStatus::kZoneIsOffline);
  Completion off;
  read(9 * kZoneLbas, 1, &off);
  expect_specific(off, CommandSpecificStatus::kZoneIsOffline);
}

TEST_F(ZnsControllerTest, SelectAll) {
  bring_up();
  ASSERT_TRUE(write(0, 1).ok());                  // 0 IMP_OPEN
  ASSERT_TRUE(zms(0x03, kZoneLbas).ok());         // 1 EXP_OPEN
  ASSERT_TRUE(zms(0x02, 2 * kZoneLbas).ok());     // 2 FULL
  // Close all: the open zones (0 -> CLOSED, 1 had nothing written -> EMPTY).
  ASSERT_TRUE(zms(0x01, 0, true).ok());
  std::vector<Zone> z = report();
  EXPECT_EQ(z[0].zs, kZsc);
  EXPECT_EQ(z[1].zs, kZse);
  EXPECT_EQ(z[2].zs, kZsf);
  // Open all: the closed zones.
  ASSERT_TRUE(zms(0x03, 0, true).ok());
  z = report();
  EXPECT_EQ(z[0].zs, kZseo);
  EXPECT_EQ(z[1].zs, kZse);
  // Finish all: open and closed zones; empty ones stay.
  ASSERT_TRUE(write(3 * kZoneLbas, 1).ok());
  ASSERT_TRUE(zms(0x02, 0, true).ok());
  z = report();
  EXPECT_EQ(z[0].zs, kZsf);
  EXPECT_EQ(z[1].zs, kZse);
  EXPECT_EQ(z[3].zs, kZsf);
  // Reset all: everything resettable is EMPTY again, write pointers at the start.
  ASSERT_TRUE(zms(0x04, 0, true).ok());
  for (const Zone& zone : report()) {
    EXPECT_EQ(zone.zs, kZse);
    EXPECT_EQ(zone.wp, zone.zslba);
  }
  // Offline all: only READ ONLY zones.
  ASSERT_EQ(device_->inject_condition(5 * kZoneLbas * 8, zoned::ZoneCondition::kReadOnly), zoned::ZoneStatus::kOk);
  ASSERT_TRUE(zms(0x05, 0, true).ok());
  z = report();
  EXPECT_EQ(z[5].zs, 0xf0);
  EXPECT_EQ(z[4].zs, kZse);
}

TEST_F(ZnsControllerTest, ControllerResetClosesOpenZones) {
  bring_up();
  ASSERT_TRUE(write(0, 3).ok());           // 0 IMP_OPEN with data
  ASSERT_TRUE(zms(0x03, kZoneLbas).ok());  // 1 EXP_OPEN, nothing written
  std::vector<Zone> z = report();
  ASSERT_EQ(z[0].zs, kZsio);
  ASSERT_EQ(z[1].zs, kZseo);
  host_->disable();  // CC.EN 1 -> 0
  ASSERT_EQ(host_->enable(), csts::kRdy);
  host_->create_pair(1, 32);
  z = report();
  EXPECT_EQ(z[0].zs, kZsc);
  EXPECT_EQ(z[0].wp, 3u);
  EXPECT_EQ(z[1].zs, kZse);
  EXPECT_EQ(z[1].wp, kZoneLbas);
  EXPECT_TRUE(report(0x02).empty());
  EXPECT_TRUE(report(0x03).empty());
  // Data kept; writing continues at the write pointer (an implicit open).
  EXPECT_EQ(read(0, 3), pattern(0, 3 * kLba, 1));
  ASSERT_TRUE(write(3, 1).ok());
  // Shutdown (CC.SHN) applies the same rule: 2 explicitly open with data,
  // 5 explicitly open without, 0 implicitly open.
  ASSERT_TRUE(zms(0x01, 0).ok());
  ASSERT_TRUE(write(2 * kZoneLbas, 1).ok());
  ASSERT_TRUE(zms(0x03, 2 * kZoneLbas).ok());
  ASSERT_TRUE(zms(0x03, 5 * kZoneLbas).ok());
  z = report();
  ASSERT_EQ(z[2].zs, kZseo);
  ASSERT_EQ(z[5].zs, kZseo);
  EXPECT_EQ((host_->shutdown() & csts::kShstMask) >> csts::kShstShift, 0b10u);
  EXPECT_EQ(device_->zone(0).cond, zoned::ZoneCondition::kClosed);
  EXPECT_EQ(device_->zone(2).cond, zoned::ZoneCondition::kClosed);
  EXPECT_EQ(device_->zone(2).wp, (2 * kZoneLbas + 1) * 8);
  EXPECT_EQ(device_->zone(5).cond, zoned::ZoneCondition::kEmpty);
}

TEST_F(ZnsControllerTest, RestartOnTheSameImageLeavesNoZoneOpen) {
  bring_up();
  ASSERT_TRUE(write(0, 4).ok());
  ASSERT_TRUE(write(kZoneLbas, 2, 5).ok());
  ASSERT_TRUE(zms(0x03, kZoneLbas).ok());
  ASSERT_TRUE(zms(0x02, 2 * kZoneLbas).ok());
  // A new zvmm opens the image. (Destroying the controller already closes
  // the open zones, as a VMM exit does; opening the image applies the same
  // rule after a kill -9: zoned_image_test.)
  restart();
  bring_up();
  std::vector<Zone> z = report();
  EXPECT_EQ(z[0].zs, kZsc);
  EXPECT_EQ(z[0].wp, 4u);
  EXPECT_EQ(z[1].zs, kZsc);
  EXPECT_EQ(z[1].wp, kZoneLbas + 2);
  EXPECT_EQ(z[2].zs, kZsf);
  EXPECT_TRUE(report(0x02).empty());
  EXPECT_TRUE(report(0x03).empty());
  EXPECT_EQ(read(0, 4), pattern(0, 4 * kLba, 1));
  EXPECT_EQ(read(kZoneLbas, 2), pattern(kZoneLbas * 8, 2 * kLba, 5));
}

TEST_F(ZnsControllerTest, ZoneDescriptorChangedEventAndChangedZoneList) {
  bring_up();
  // Not enabled yet: recorded, no event.
  EXPECT_TRUE(ctrl_->zone_changed(kZnsNsid, 3 * kZoneLbas * 8 + 17));
  EXPECT_FALSE(ctrl_->zone_changed(kNvmNsid, 0));
  EXPECT_FALSE(ctrl_->zone_changed(kZnsNsid, kZones * kZoneLbas * 8));
  ASSERT_TRUE(set_features(0x0b, 1u << 27).ok());
  Sqe aer = make_sqe(admin_opcode::kAsyncEventRequest);
  store_le<uint16_t>(aer.bytes, 2, 31);
  host_->submit(0, aer);
  EXPECT_TRUE(host_->admin(make_sqe(admin_opcode::kKeepAlive)).ok());  // AER held
  EXPECT_TRUE(ctrl_->zone_changed(kZnsNsid, 7 * kZoneLbas * 8));
  Completion c = host_->wait(0, 31);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.dw0, 0x00bfef02u);  // Notice, Zone Descriptor Changed, log page BFh
  // Another change while the event is outstanding: no second event, listed.
  store_le<uint16_t>(aer.bytes, 2, 32);
  host_->submit(0, aer);
  EXPECT_TRUE(ctrl_->zone_changed(kZnsNsid, 7 * kZoneLbas * 8 + 8));  // same zone: once
  EXPECT_TRUE(ctrl_->zone_changed(kZnsNsid, 9 * kZoneLbas * 8));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_TRUE(host_->reap(0).empty());
  // RAE 1: the list, kept.
  std::vector<uint8_t> log;
  ASSERT_TRUE(get_log(0xbf, kZnsNsid, csi::kZoned, true, &log).ok());
  ASSERT_EQ(load_le<uint16_t>(log, 0), 3u);
  EXPECT_EQ(load_le<uint64_t>(log, 8), 3 * kZoneLbas);  // ZSLBAs in LBAs, first change first
  EXPECT_EQ(load_le<uint64_t>(log, 16), 7 * kZoneLbas);
  EXPECT_EQ(load_le<uint64_t>(log, 24), 9 * kZoneLbas);
  // RAE 0: read and cleared; the event type unmasked.
  ASSERT_TRUE(get_log(0xbf, kZnsNsid, csi::kZoned, false, &log).ok());
  EXPECT_EQ(load_le<uint16_t>(log, 0), 3u);
  ASSERT_TRUE(get_log(0xbf, kZnsNsid, csi::kZoned, false, &log).ok());
  EXPECT_EQ(load_le<uint16_t>(log, 0), 0u);
  EXPECT_EQ(load_le<uint64_t>(log, 8), 0u);
  EXPECT_TRUE(ctrl_->zone_changed(kZnsNsid, 0));
  c = host_->wait(0, 32);
  EXPECT_EQ(c.dw0, 0x00bfef02u);
  // Log BFh rules: CSI must be 2, the NVM namespace has none.
  expect_generic(get_log(0xbf, kZnsNsid, csi::kNvm, false, &log), GenericStatus::kInvalidField);
  expect_generic(get_log(0xbf, kNvmNsid, csi::kZoned, false, &log), GenericStatus::kInvalidField);
}

TEST_F(ZnsControllerTest, NvmOnlyCommandSetHidesTheZonedNamespace) {
  bring_up(cc::kCssNvm);
  std::vector<uint8_t> id;
  ASSERT_TRUE(host_->identify(cns::kActiveNamespaceList, 0, &id).ok());
  EXPECT_EQ(load_le<uint32_t>(id, 0), kNvmNsid);
  EXPECT_EQ(load_le<uint32_t>(id, 4), 0u);
  ASSERT_TRUE(host_->identify(cns::kNamespace, kZnsNsid, &id).ok());
  EXPECT_EQ(load_le<uint64_t>(id, 0), 0u);  // inactive: zeros
  expect_generic(write(0, 1), GenericStatus::kInvalidNamespaceOrFormat);
  std::vector<uint8_t> d;
  expect_generic(zmr(0, 4096, 0, false, &d), GenericStatus::kInvalidNamespaceOrFormat);
  EXPECT_TRUE(write(0, 1, 1, kNvmNsid).ok());
  // Re-enabled with CC.CSS 110b: usable.
  host_->disable();
  bring_up();
  EXPECT_TRUE(write(0, 1).ok());
}

TEST(ZnsControllerConfigTest, RefusesWhatZnsCannotServe) {
  GuestMemory mem = GuestMemory::create(16 * MiB);
  CountingInterrupt irq;
  auto config_for = [](zoned::ZonedDevice* d) {
    ControllerConfig c;
    c.serial = "S";
    c.subnqn = "nqn.2025-01.io.zvmm:x";
    NamespaceConfig ns;
    ns.device = d;
    ns.nguid[0] = 1;
    ns.eui64[0] = 1;
    c.namespaces = {ns};
    return c;
  };
  zoned::testing::EngineFixture conventional(
      {.device_bytes = 8 * MiB, .zone_size_bytes = MiB, .nr_conventional = 2}, "zns_conv.img");
  EXPECT_NE(zoned::testing::error_of([&] { NvmeController c(config_for(conventional.engine.get()), mem, irq); })
                .find("conventional zones"),
            std::string::npos);
  zoned::testing::EngineFixture aware({.device_bytes = 8 * MiB, .zone_size_bytes = MiB,
                                       .model = zoned::ZonedModel::kHostAware},
                                      "zns_ha.img");
  EXPECT_NE(zoned::testing::error_of([&] { NvmeController c(config_for(aware.engine.get()), mem, irq); })
                .find("host-managed"),
            std::string::npos);
}

}  // namespace
}  // namespace zvmm::nvme

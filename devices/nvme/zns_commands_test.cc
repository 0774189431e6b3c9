// Zone Management Send/Receive, Zone Append and the zoned status mapping,
// checked at the byte offsets and values of the Zoned Namespace Command Set
// Specification 1.1 as digested in /work/shared/notes/nvme-zns.md sections
// 5.3-5.8 (zone descriptor ZT@0 ZS@1 ZA@2 ZCAP@8 ZSLBA@16 WP@24, header
// NR_ZONES@0; CDW13 fields; status codes B6h-BFh), over a real host-managed
// emulated device.
#include "devices/nvme/zns_commands.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "devices/nvme/testing/admin_test_support.h"
#include "zoned/test_support.h"

namespace zvmm::nvme {
namespace {

using testing::make_sqe;
using zoned::ZoneCondition;
using zoned::ZoneOp;
using zoned::ZoneStatus;

constexpr uint64_t kKiB = 1024, kMiB = 1024 * kKiB;

// 16 zones of 4 MiB (1024 LBAs of 4 KiB), capacity 3 MiB (768 LBAs), max
// open 3, max active 4.
constexpr uint64_t kZoneBytes = 4 * kMiB;
constexpr uint64_t kZoneSectors = kZoneBytes / 512;
constexpr uint64_t kZsze = 1024;  // LBAs
constexpr uint64_t kZcap = 768;   // LBAs
constexpr uint32_t kZones = 16;

const Status kInvalidField = Status::generic(GenericStatus::kInvalidField, true);
const Status kLbaOutOfRange = Status{StatusCodeType::kGeneric, 0x80, true};
Status sct1(uint8_t sc) { return Status{StatusCodeType::kCommandSpecific, sc, true}; }

template <typename T>
T le(const std::vector<uint8_t>& d, size_t at) {
  return load_le<T>(d, at);
}

// CDW13 of a Zone Management Receive.
uint32_t receive_cdw13(uint8_t zra, uint8_t zrasf, bool partial) {
  return zra | (uint32_t{zrasf} << 8) | (partial ? 1u << 16 : 0u);
}

Sqe receive_sqe(uint64_t slba, uint64_t bytes, uint8_t zrasf = 0, bool partial = false, uint8_t zra = 0) {
  return make_sqe(io_opcode::kZoneManagementReceive, 2,
                  {{10, static_cast<uint32_t>(slba)},
                   {11, static_cast<uint32_t>(slba >> 32)},
                   {12, static_cast<uint32_t>(bytes / 4 - 1)},
                   {13, receive_cdw13(zra, zrasf, partial)}});
}

Sqe send_sqe(uint64_t slba, uint8_t zsa, bool select_all = false, bool zsaso = false) {
  return make_sqe(io_opcode::kZoneManagementSend, 2,
                  {{10, static_cast<uint32_t>(slba)},
                   {11, static_cast<uint32_t>(slba >> 32)},
                   {13, zsa | (select_all ? 1u << 8 : 0u) | (zsaso ? 1u << 9 : 0u)}});
}

Sqe append_sqe(uint64_t zslba, uint32_t nlb_1based, bool fua = false) {
  return make_sqe(io_opcode::kZoneAppend, 2,
                  {{10, static_cast<uint32_t>(zslba)},
                   {11, static_cast<uint32_t>(zslba >> 32)},
                   {12, (nlb_1based - 1) | (fua ? 1u << 30 : 0u)}});
}

template <typename T>
T ok(const std::variant<T, Status>& v) {
  if (const Status* s = std::get_if<Status>(&v)) {
    ADD_FAILURE() << "status sct " << int(s->sct) << " sc " << int(s->sc);
    return T{};
  }
  return std::get<T>(v);
}

template <typename T>
Status err(const std::variant<T, Status>& v) {
  if (const Status* s = std::get_if<Status>(&v)) return *s;
  ADD_FAILURE() << "decoded successfully";
  return Status::success();
}

class ZnsTest : public ::testing::Test {
 protected:
  ZnsTest()
      : f_(zoned::ZoneGeometryConfig{.device_bytes = kZones * kZoneBytes,
                                     .zone_size_bytes = kZoneBytes,
                                     .zone_capacity_bytes = 3 * kMiB,
                                     .max_open = 3,
                                     .max_active = 4,
                                     .logical_block_size = 4096,
                                     .model = zoned::ZonedModel::kHostManaged},
           "zns_commands.img"),
        client_(f_.client()),
        ns_(ZnsNamespace::from(*f_.engine)) {}

  static uint64_t start(uint32_t zone) { return zone * kZoneSectors; }  // sectors
  ZoneCondition cond(uint32_t zone) const { return f_.engine->zone(zone).cond; }

  ZoneStatus write(uint32_t zone, uint64_t offset_sectors, uint64_t bytes = 4096) {
    std::vector<uint8_t> data(bytes, 0x5a);
    return client_.write(start(zone) + offset_sectors, data);
  }

  // Zones 1..6: IMP_OPEN, EXP_OPEN, CLOSED, FULL, READ ONLY, OFFLINE (each
  // with one LBA written where the condition allows it); the rest EMPTY.
  void every_condition() {
    ASSERT_EQ(write(1, 0), ZoneStatus::kOk);
    ASSERT_EQ(client_.open(start(2)), ZoneStatus::kOk);
    ASSERT_EQ(write(2, 0), ZoneStatus::kOk);
    ASSERT_EQ(write(3, 0), ZoneStatus::kOk);
    ASSERT_EQ(client_.close(start(3)), ZoneStatus::kOk);
    ASSERT_EQ(client_.finish(start(4)), ZoneStatus::kOk);
    ASSERT_EQ(f_.engine->inject_condition(start(5), ZoneCondition::kReadOnly), ZoneStatus::kOk);
    ASSERT_EQ(f_.engine->inject_condition(start(6), ZoneCondition::kOffline), ZoneStatus::kOk);
    const ZoneCondition expected[] = {ZoneCondition::kEmpty,    ZoneCondition::kImplicitOpen,
                                      ZoneCondition::kExplicitOpen, ZoneCondition::kClosed,
                                      ZoneCondition::kFull,     ZoneCondition::kReadOnly,
                                      ZoneCondition::kOffline,  ZoneCondition::kEmpty};
    for (uint32_t z = 0; z < 8; ++z) ASSERT_EQ(cond(z), expected[z]) << z;
  }

  ZoneReceiveReply receive(const Sqe& sqe, const ZnsNamespace* ns = nullptr) {
    const ZnsNamespace& n = ns ? *ns : ns_;
    ZoneReceiveCommand c = ok(decode_zone_receive(sqe, n, 512 * kKiB));
    ZoneReceiveReply r = zone_management_receive(n, c);
    EXPECT_TRUE(r.status.ok());
    EXPECT_LE(r.data.size(), c.bytes);
    return r;
  }

  // The ZSLBAs of the descriptors in a report (64-byte entries).
  static std::vector<uint64_t> zslbas(const std::vector<uint8_t>& d, size_t entry = 64) {
    std::vector<uint64_t> out;
    for (size_t o = 64; o + entry <= d.size(); o += entry) out.push_back(le<uint64_t>(d, o + 16));
    return out;
  }

  ZoneStatus send(const Sqe& sqe) {
    ZoneSendCommand c = ok(decode_zone_send(sqe, ns_));
    return c.select_all ? client_.zone_op_all(c.op) : client_.zone_op(c.op, c.sector);
  }

  zoned::testing::EngineFixture f_;
  zoned::SyncZoneClient client_;
  ZnsNamespace ns_;
};

// ---- the namespace ----

TEST_F(ZnsTest, NamespaceInLbas) {
  EXPECT_EQ(ns_.lba_bytes, 4096u);
  EXPECT_EQ(ns_.lba_sectors, 8u);
  EXPECT_EQ(ns_.nsze, kZones * kZsze);
  EXPECT_EQ(ns_.zsze, kZsze);
  EXPECT_EQ(ns_.zcap, kZcap);
  EXPECT_EQ(ns_.mar, 3u);  // 0's based: 4 active
  EXPECT_EQ(ns_.mor, 2u);  // 3 open
  EXPECT_EQ(ns_.zdes, 0);
  EXPECT_EQ(ns_.sector(kZsze), kZoneSectors);
  EXPECT_EQ(ns_.lba(kZoneSectors), kZsze);
  EXPECT_TRUE(ns_.is_zone_start(0));
  EXPECT_TRUE(ns_.is_zone_start(5 * kZsze));
  EXPECT_FALSE(ns_.is_zone_start(5 * kZsze + 1));
  EXPECT_EQ(zns_incompatibility(*f_.engine), "");
}

TEST(ZnsNamespace, OpenAndActiveLimits) {
  auto limits = [](uint32_t open, uint32_t active) {
    zoned::testing::EngineFixture f({.device_bytes = 64 * kMiB,
                                     .zone_size_bytes = 4 * kMiB,
                                     .max_open = open,
                                     .max_active = active,
                                     .model = zoned::ZonedModel::kHostManaged},
                                    "zns_limits.img");
    ZnsNamespace ns = ZnsNamespace::from(*f.engine);
    return std::pair{ns.mor, ns.mar};
  };
  EXPECT_EQ(limits(3, 4), (std::pair<uint32_t, uint32_t>{2, 3}));
  EXPECT_EQ(limits(0, 0), (std::pair<uint32_t, uint32_t>{0xffffffff, 0xffffffff}));
  // Only an active limit: MOR = MAR (Linux refuses MOR > MAR).
  EXPECT_EQ(limits(0, 5), (std::pair<uint32_t, uint32_t>{4, 4}));
  EXPECT_EQ(limits(6, 0), (std::pair<uint32_t, uint32_t>{5, 0xffffffff}));
}

TEST(ZnsNamespace, FiveTwelveByteLbas) {
  zoned::testing::EngineFixture f({.device_bytes = 64 * kMiB,
                                   .zone_size_bytes = 4 * kMiB,
                                   .model = zoned::ZonedModel::kHostManaged},
                                  "zns_512.img");
  ZnsNamespace ns = ZnsNamespace::from(*f.engine);
  EXPECT_EQ(ns.lba_sectors, 1u);
  EXPECT_EQ(ns.zsze, 8192u);
  EXPECT_EQ(ns.nsze, 16u * 8192);
  ZoneReceiveCommand c = ok(decode_zone_receive(receive_sqe(3 * 8192 + 17, 64 + 64), ns, 0));
  ZoneReceiveReply r = zone_management_receive(ns, c);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(le<uint64_t>(r.data, 0), 13u);
  EXPECT_EQ(le<uint64_t>(r.data, 64 + 16), 3u * 8192);  // ZSLBA
  EXPECT_EQ(le<uint64_t>(r.data, 64 + 8), 8192u);       // ZCAP
}

TEST(ZnsNamespace, IncompatibleDevicesAreNamed) {
  zoned::testing::EngineFixture conv({.device_bytes = 64 * kMiB,
                                      .zone_size_bytes = 4 * kMiB,
                                      .nr_conventional = 2,
                                      .model = zoned::ZonedModel::kHostManaged},
                                     "zns_conv.img");
  EXPECT_NE(zns_incompatibility(*conv.engine).find("2 conventional zones"), std::string::npos);
  zoned::testing::EngineFixture small_last({.device_bytes = 66 * kMiB,
                                            .zone_size_bytes = 4 * kMiB,
                                            .model = zoned::ZonedModel::kHostManaged},
                                           "zns_small_last.img");
  EXPECT_NE(zns_incompatibility(*small_last.engine).find("last zone"), std::string::npos);
  zoned::testing::EngineFixture ha({.device_bytes = 64 * kMiB,
                                    .zone_size_bytes = 4 * kMiB,
                                    .model = zoned::ZonedModel::kHostAware},
                                   "zns_ha.img");
  EXPECT_NE(zns_incompatibility(*ha.engine).find("host-managed"), std::string::npos);
  auto plain = testing::plain_device("zns_plain.img", 8 * kMiB);
  EXPECT_NE(zns_incompatibility(*plain).find("host-managed"), std::string::npos);
}

// ---- Zone Management Receive: decoding ----

TEST_F(ZnsTest, ReceiveDecodesEveryField) {
  Sqe s = make_sqe(io_opcode::kZoneManagementReceive, 2,
                   {{10, 0x00000400}, {11, 0x0}, {12, 31}, {13, 0x01 | (0x04u << 8) | (1u << 16)}});
  ZnsNamespace with_zdes = ns_;
  with_zdes.zdes = 1;
  ZoneReceiveCommand c = ok(decode_zone_receive(s, with_zdes, 0));
  EXPECT_EQ(c.slba, 0x400u);
  EXPECT_EQ(c.bytes, 128u);  // NUMD 31: 32 dwords
  EXPECT_TRUE(c.extended);
  EXPECT_EQ(c.zrasf, 4);
  EXPECT_EQ(c.filter, zoned::ZoneFilter::kClosed);
  EXPECT_TRUE(c.partial);
  // SLBA's upper dword.
  Sqe high = receive_sqe((uint64_t{1} << 32) + 5, 64);
  EXPECT_EQ(err(decode_zone_receive(high, ns_, 0)), kLbaOutOfRange);
}

TEST_F(ZnsTest, ReceiveFiltersAreLibnvmeNumbers) {
  const std::map<uint8_t, zoned::ZoneFilter> expected = {
      {0, zoned::ZoneFilter::kAll},          {1, zoned::ZoneFilter::kEmpty},
      {2, zoned::ZoneFilter::kImplicitOpen}, {3, zoned::ZoneFilter::kExplicitOpen},
      {4, zoned::ZoneFilter::kClosed},       {5, zoned::ZoneFilter::kFull},
      {6, zoned::ZoneFilter::kReadOnly},     {7, zoned::ZoneFilter::kOffline}};
  for (unsigned v = 0; v < 256; ++v) {
    zoned::ZoneFilter filter{};
    const bool valid = zone_filter_from_zrasf(static_cast<uint8_t>(v), filter);
    EXPECT_EQ(valid, expected.count(static_cast<uint8_t>(v)) == 1) << v;
    if (valid) {
      EXPECT_EQ(filter, expected.at(static_cast<uint8_t>(v))) << v;
    }
  }
}

TEST_F(ZnsTest, ReceiveErrors) {
  const uint64_t nsze = kZones * kZsze;
  EXPECT_EQ(err(decode_zone_receive(receive_sqe(nsze, 4096), ns_, 0)), kLbaOutOfRange);
  EXPECT_TRUE(std::holds_alternative<ZoneReceiveCommand>(decode_zone_receive(receive_sqe(nsze - 1, 4096), ns_, 0)));
  EXPECT_EQ(err(decode_zone_receive(receive_sqe(0, 4096, 0, false, 2), ns_, 0)), kInvalidField);     // ZRA 2
  EXPECT_EQ(err(decode_zone_receive(receive_sqe(0, 4096, 0, false, 0xff), ns_, 0)), kInvalidField);  // ZRA FFh
  EXPECT_EQ(err(decode_zone_receive(receive_sqe(0, 4096, 0, false, 1), ns_, 0)), kInvalidField);     // extended, ZDES 0
  EXPECT_EQ(err(decode_zone_receive(receive_sqe(0, 4096, 8), ns_, 0)), kInvalidField);               // ZRASF 8
  EXPECT_EQ(err(decode_zone_receive(receive_sqe(0, 4096, 0x3f), ns_, 0)), kInvalidField);            // ZBC NOT_WP
  EXPECT_EQ(err(decode_zone_receive(receive_sqe(0, 60), ns_, 0)), kInvalidField);                    // < header
  EXPECT_EQ(err(decode_zone_receive(receive_sqe(0, 8192), ns_, 4096)), kInvalidField);               // > MDTS
  EXPECT_TRUE(std::holds_alternative<ZoneReceiveCommand>(decode_zone_receive(receive_sqe(0, 4096), ns_, 4096)));
  // LBA range is checked before the other fields (QEMU's order).
  EXPECT_EQ(err(decode_zone_receive(receive_sqe(nsze, 60, 9, false, 7), ns_, 0)), kLbaOutOfRange);
}

// ---- Zone Management Receive: the report ----

TEST_F(ZnsTest, DescriptorForEveryCondition) {
  every_condition();
  ZoneReceiveReply r = receive(receive_sqe(0, 64 + 64 * kZones));
  const std::vector<uint8_t>& d = r.data;
  ASSERT_EQ(d.size(), 64 + 64 * kZones);
  EXPECT_EQ(le<uint64_t>(d, 0), kZones);  // NR_ZONES
  for (size_t i = 8; i < 64; ++i) EXPECT_EQ(d[i], 0) << "header reserved byte " << i;
  struct Expect {
    uint8_t zs;
    uint64_t wp;  // LBA offset in the zone, or all ones
  };
  const uint64_t kNone = ~uint64_t{0};
  const Expect expect[] = {
      {0x10, 0},      // EMPTY: WP = ZSLBA
      {0x20, 1},      // IMP_OPEN, one LBA written
      {0x30, 1},      // EXP_OPEN, one LBA written
      {0x40, 1},      // CLOSED, one LBA written
      {0xe0, kNone},  // FULL: WP not valid
      {0xd0, kNone},  // READ ONLY: WP not valid
      {0xf0, kNone},  // OFFLINE: WP not valid
      {0x10, 0},
  };
  for (uint32_t z = 0; z < kZones; ++z) {
    const size_t o = 64 + 64 * z;
    const Expect e = z < 8 ? expect[z] : Expect{0x10, 0};
    EXPECT_EQ(d[o + 0], 0x02) << z;                       // ZT: sequential write required
    EXPECT_EQ(d[o + 1], e.zs) << z;                       // ZS in bits 7:4
    EXPECT_EQ(d[o + 2], 0x00) << z;                       // ZA: no ZFC/FZR/RZR/ZRWAV/ZDEV
    EXPECT_EQ(d[o + 3], 0x00) << z;                       // ZAI
    EXPECT_EQ(le<uint32_t>(d, o + 4), 0u) << z;           // reserved
    EXPECT_EQ(le<uint64_t>(d, o + 8), kZcap) << z;        // ZCAP
    EXPECT_EQ(le<uint64_t>(d, o + 16), z * kZsze) << z;   // ZSLBA
    EXPECT_EQ(le<uint64_t>(d, o + 24), e.wp == kNone ? kNone : z * kZsze + e.wp) << z;  // WP
    for (size_t i = 32; i < 64; ++i) EXPECT_EQ(d[o + i], 0) << z << " reserved " << i;
  }
}

TEST_F(ZnsTest, EveryFilterListsTheZonesInThatState) {
  every_condition();
  const std::map<uint8_t, std::vector<uint64_t>> expected = {
      {0, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}},
      {1, {0, 7, 8, 9, 10, 11, 12, 13, 14, 15}},
      {2, {1}},
      {3, {2}},
      {4, {3}},
      {5, {4}},
      {6, {5}},
      {7, {6}},
  };
  for (auto [zrasf, zones] : expected) {
    ZoneReceiveReply r = receive(receive_sqe(0, 64 + 64 * kZones, zrasf));
    EXPECT_EQ(le<uint64_t>(r.data, 0), zones.size()) << int{zrasf};
    std::vector<uint64_t> want;
    for (uint64_t z : zones) want.push_back(z * kZsze);
    EXPECT_EQ(zslbas(r.data), want) << int{zrasf};
  }
}

TEST_F(ZnsTest, HeaderOnlyBufferCountsWithoutPartialAndNotWith) {
  every_condition();
  // nvme-cli's first report: 64 bytes, Partial 0: NR_ZONES = every matching zone.
  ZoneReceiveReply all = receive(receive_sqe(0, 64));
  ASSERT_EQ(all.data.size(), 64u);
  EXPECT_EQ(le<uint64_t>(all.data, 0), kZones);
  ZoneReceiveReply partial = receive(receive_sqe(0, 64, 0, true));
  EXPECT_EQ(le<uint64_t>(partial.data, 0), 0u);
  // From an LBA inside zone 3: zones 3..15.
  ZoneReceiveReply from3 = receive(receive_sqe(3 * kZsze + 100, 64));
  EXPECT_EQ(le<uint64_t>(from3.data, 0), 13u);
  // With a filter: EMPTY zones from zone 3 are 7..15.
  ZoneReceiveReply empty = receive(receive_sqe(3 * kZsze, 64, 1));
  EXPECT_EQ(le<uint64_t>(empty.data, 0), 9u);
  EXPECT_EQ(le<uint64_t>(receive(receive_sqe(3 * kZsze, 64, 1, true)).data, 0), 0u);
}

TEST_F(ZnsTest, PartialCountsTransferredDescriptorsOnly) {
  every_condition();
  // Room for two descriptors and half of a third.
  const uint64_t bytes = 64 + 2 * 64 + 32;
  ZoneReceiveReply partial = receive(receive_sqe(kZsze, bytes, 0, true));
  ASSERT_EQ(partial.data.size(), 64u + 2 * 64);  // whole descriptors only; the rest is the controller's zero fill
  EXPECT_EQ(le<uint64_t>(partial.data, 0), 2u);
  EXPECT_EQ(zslbas(partial.data), (std::vector<uint64_t>{kZsze, 2 * kZsze}));
  ZoneReceiveReply full = receive(receive_sqe(kZsze, bytes, 0, false));
  EXPECT_EQ(le<uint64_t>(full.data, 0), kZones - 1);
  EXPECT_EQ(zslbas(full.data), (std::vector<uint64_t>{kZsze, 2 * kZsze}));
  // A buffer larger than the report: NR_ZONES = zones there are, with or without Partial.
  ZoneReceiveReply big = receive(receive_sqe(14 * kZsze, 4096, 0, true));
  EXPECT_EQ(le<uint64_t>(big.data, 0), 2u);
  EXPECT_EQ(big.data.size(), 64u + 2 * 64);
}

TEST_F(ZnsTest, LinuxRevalidationLoop) {
  // nvme_ns_report_zones: Partial 1, ZRA 0, ZRASF 0; advance by NR_ZONES * ZSZE.
  uint64_t slba = 0, seen = 0;
  while (slba < ns_.nsze) {
    ZoneReceiveReply r = receive(receive_sqe(slba, 64 + 5 * 64, 0, true));
    const uint64_t n = le<uint64_t>(r.data, 0);
    ASSERT_GT(n, 0u);
    for (uint64_t i = 0; i < n; ++i) {
      const size_t o = 64 + 64 * i;
      EXPECT_EQ(r.data[o], 2);
      EXPECT_EQ(le<uint64_t>(r.data, o + 16), (seen + i) * kZsze);
      EXPECT_GT(le<uint64_t>(r.data, o + 8), 0u);
      EXPECT_LE(le<uint64_t>(r.data, o + 8), kZsze);
    }
    seen += n;
    slba += n * kZsze;
  }
  EXPECT_EQ(seen, kZones);
  EXPECT_EQ(ns_.nsze, seen * ns_.zsze);  // NSZE = zones * ZSZE
}

TEST_F(ZnsTest, ExtendedReportEntriesCarryTheExtensionSpace) {
  ZnsNamespace ns = ns_;
  ns.zdes = 1;  // 64 bytes of extension per zone (zvmm's namespaces have 0)
  ZoneReceiveReply r = receive(receive_sqe(0, 64 + 2 * 128 + 64, 0, true, 1), &ns);
  ASSERT_EQ(r.data.size(), 64u + 2 * 128);
  EXPECT_EQ(le<uint64_t>(r.data, 0), 2u);
  EXPECT_EQ(le<uint64_t>(r.data, 64 + 16), 0u);            // first descriptor
  EXPECT_EQ(le<uint64_t>(r.data, 64 + 128 + 16), kZsze);   // second, after 64 bytes of extension
  for (size_t i = 0; i < 64; ++i) EXPECT_EQ(r.data[128 + i], 0);  // extension: not valid
  EXPECT_EQ(r.data[64 + 2] & zone_attribute::kZdev, 0);
}

TEST_F(ZnsTest, EncodeDescriptorDirectly) {
  std::array<uint8_t, 64> out;
  out.fill(0xee);
  zoned::ZoneDescriptor z{.start = 3 * kZoneSectors, .len = kZoneSectors, .capacity = 6144,
                          .wp = 3 * kZoneSectors + 80, .type = zoned::ZoneType::kSequentialWriteRequired,
                          .cond = ZoneCondition::kClosed};
  encode_zone_descriptor(ns_, z, out);
  std::vector<uint8_t> d(out.begin(), out.end());
  EXPECT_EQ(d[0], 2);
  EXPECT_EQ(d[1], 0x40);
  EXPECT_EQ(le<uint64_t>(d, 8), 768u);
  EXPECT_EQ(le<uint64_t>(d, 16), 3 * kZsze);
  EXPECT_EQ(le<uint64_t>(d, 24), 3 * kZsze + 10);
  for (size_t i = 32; i < 64; ++i) EXPECT_EQ(d[i], 0) << i;
  // The engine reports FULL zones' wp at start + capacity; the wire says "not valid".
  z.cond = ZoneCondition::kFull;
  z.wp = z.start + z.capacity;
  encode_zone_descriptor(ns_, z, out);
  EXPECT_EQ(load_le<uint64_t>(out, 24), kInvalidWritePointer);
}

// ---- Zone Management Send ----

TEST_F(ZnsTest, SendDecodesEveryAction) {
  const std::map<uint8_t, ZoneOp> actions = {{0x01, ZoneOp::kClose},
                                             {0x02, ZoneOp::kFinish},
                                             {0x03, ZoneOp::kOpen},
                                             {0x04, ZoneOp::kReset},
                                             {0x05, ZoneOp::kOffline}};
  for (auto [zsa, op] : actions) {
    ZoneSendCommand c = ok(decode_zone_send(send_sqe(5 * kZsze, zsa), ns_));
    EXPECT_EQ(c.kind, ZoneSendCommand::Kind::kZoneOp);
    EXPECT_EQ(c.zsa, zsa);
    EXPECT_EQ(c.op, op) << int{zsa};
    EXPECT_FALSE(c.select_all);
    EXPECT_EQ(c.slba, 5 * kZsze);
    EXPECT_EQ(c.sector, 5 * kZoneSectors);
    ZoneSendCommand all = ok(decode_zone_send(send_sqe(0, zsa, true), ns_));
    EXPECT_TRUE(all.select_all);
    EXPECT_EQ(all.op, op);
  }
  // SLBA above 4 G LBAs: both dwords are read.
  EXPECT_EQ(err(decode_zone_send(send_sqe(uint64_t{1} << 32, 0x04), ns_)), kLbaOutOfRange);
}

TEST_F(ZnsTest, SendErrors) {
  const uint64_t nsze = kZones * kZsze;
  EXPECT_EQ(err(decode_zone_send(send_sqe(kZsze + 1, 0x04), ns_)), kInvalidField);  // not a zone start
  EXPECT_EQ(err(decode_zone_send(send_sqe(kZsze - 1, 0x01), ns_)), kInvalidField);
  EXPECT_EQ(err(decode_zone_send(send_sqe(nsze, 0x04), ns_)), kLbaOutOfRange);
  // Select All ignores SLBA.
  EXPECT_TRUE(std::holds_alternative<ZoneSendCommand>(decode_zone_send(send_sqe(nsze + 7, 0x04, true), ns_)));
  for (uint8_t zsa : {0x00, 0x06, 0x0f, 0x12, 0x80, 0xff}) {
    EXPECT_EQ(err(decode_zone_send(send_sqe(0, zsa), ns_)), kInvalidField) << int{zsa};
    EXPECT_EQ(err(decode_zone_send(send_sqe(0, zsa, true), ns_)), kInvalidField) << int{zsa};
  }
  // Set Zone Descriptor Extension: ZDES 0 -> Invalid Field.
  EXPECT_EQ(err(decode_zone_send(send_sqe(0, 0x10), ns_)), kInvalidField);
  ZnsNamespace with_zdes = ns_;
  with_zdes.zdes = 1;
  EXPECT_EQ(ok(decode_zone_send(send_sqe(kZsze, 0x10), with_zdes)).kind,
            ZoneSendCommand::Kind::kSetDescriptorExtension);
  EXPECT_EQ(err(decode_zone_send(send_sqe(0, 0x10, true), with_zdes)), kInvalidField);
  // ZRWA: not supported (OZCS.ZRWASUP 0) -> Invalid Zone Operation Request.
  EXPECT_EQ(err(decode_zone_send(send_sqe(0, 0x11), ns_)), sct1(0xb6));
  EXPECT_EQ(err(decode_zone_send(send_sqe(0, 0x03, false, /*zsaso=*/true), ns_)), sct1(0xb6));
  // ZSASO means nothing to the other actions.
  EXPECT_TRUE(std::holds_alternative<ZoneSendCommand>(decode_zone_send(send_sqe(0, 0x04, false, true), ns_)));
}

TEST_F(ZnsTest, SingleZoneActions) {
  every_condition();
  // Close: IMP_OPEN -> CLOSED.
  EXPECT_EQ(send(send_sqe(1 * kZsze, 0x01)), ZoneStatus::kOk);
  EXPECT_EQ(cond(1), ZoneCondition::kClosed);
  // Open: CLOSED -> EXP_OPEN.
  EXPECT_EQ(send(send_sqe(3 * kZsze, 0x03)), ZoneStatus::kOk);
  EXPECT_EQ(cond(3), ZoneCondition::kExplicitOpen);
  // Finish: EXP_OPEN -> FULL; EMPTY -> FULL.
  EXPECT_EQ(send(send_sqe(2 * kZsze, 0x02)), ZoneStatus::kOk);
  EXPECT_EQ(cond(2), ZoneCondition::kFull);
  EXPECT_EQ(send(send_sqe(7 * kZsze, 0x02)), ZoneStatus::kOk);
  EXPECT_EQ(cond(7), ZoneCondition::kFull);
  // Reset: FULL -> EMPTY.
  EXPECT_EQ(send(send_sqe(4 * kZsze, 0x04)), ZoneStatus::kOk);
  EXPECT_EQ(cond(4), ZoneCondition::kEmpty);
  // Offline: READ ONLY -> OFFLINE.
  EXPECT_EQ(send(send_sqe(5 * kZsze, 0x05)), ZoneStatus::kOk);
  EXPECT_EQ(cond(5), ZoneCondition::kOffline);
  // Invalid transitions -> BFh.
  EXPECT_EQ(zoned_status(send(send_sqe(8 * kZsze, 0x05)), false), sct1(0xbf));  // offline of EMPTY
  EXPECT_EQ(zoned_status(send(send_sqe(2 * kZsze, 0x03)), false), sct1(0xbf));  // open of FULL
  EXPECT_EQ(zoned_status(send(send_sqe(8 * kZsze, 0x01)), false), sct1(0xbf));  // close of EMPTY
  EXPECT_EQ(zoned_status(send(send_sqe(6 * kZsze, 0x04)), false), sct1(0xbf));  // reset of OFFLINE
  EXPECT_EQ(cond(8), ZoneCondition::kEmpty);
}

// Select All: the conditions each action applies to, from ZNS 1.1 Zone
// Management Send (notes section 5.5 and zoned-spec.md section 3), not from
// the engine.
TEST_F(ZnsTest, SelectAllTouchesExactlyTheSpecsStates) {
  using C = ZoneCondition;
  const std::set<C> all = {C::kEmpty, C::kImplicitOpen, C::kExplicitOpen, C::kClosed,
                           C::kFull,  C::kReadOnly,     C::kOffline};
  const std::map<ZoneOp, std::set<C>> spec = {
      {ZoneOp::kClose, {C::kImplicitOpen, C::kExplicitOpen}},
      {ZoneOp::kFinish, {C::kImplicitOpen, C::kExplicitOpen, C::kClosed}},
      {ZoneOp::kOpen, {C::kClosed}},
      {ZoneOp::kReset, {C::kImplicitOpen, C::kExplicitOpen, C::kClosed, C::kFull}},
      {ZoneOp::kOffline, {C::kReadOnly}},
  };
  for (const auto& [op, states] : spec) {
    for (C c : all) EXPECT_EQ(zoned::select_all_applies(op, c), states.count(c) == 1) << int(op) << " " << int(c);
  }
}

struct SelectAllCase {
  uint8_t zsa;
  std::map<uint32_t, ZoneCondition> changed;  // zone -> new condition; the others stay
};

class ZnsSelectAllTest : public ZnsTest, public ::testing::WithParamInterface<SelectAllCase> {};

TEST_P(ZnsSelectAllTest, OnlyTheSelectedZonesChange) {
  every_condition();
  std::vector<ZoneCondition> before;
  for (uint32_t z = 0; z < kZones; ++z) before.push_back(cond(z));
  const SelectAllCase& c = GetParam();
  EXPECT_EQ(send(send_sqe(0, c.zsa, true)), ZoneStatus::kOk);
  for (uint32_t z = 0; z < kZones; ++z) {
    auto it = c.changed.find(z);
    EXPECT_EQ(cond(z), it == c.changed.end() ? before[z] : it->second) << "zone " << z;
  }
}

std::string select_all_name(const ::testing::TestParamInfo<SelectAllCase>& info) {
  static const char* const kNames[] = {"", "Close", "Finish", "Open", "Reset", "Offline"};
  return kNames[info.param.zsa];
}

// Zones as every_condition() leaves them: 1 IMP_OPEN, 2 EXP_OPEN, 3 CLOSED,
// 4 FULL, 5 READ ONLY, 6 OFFLINE, the rest EMPTY.
INSTANTIATE_TEST_SUITE_P(
    Actions, ZnsSelectAllTest,
    ::testing::Values(
        SelectAllCase{0x01, {{1, ZoneCondition::kClosed}, {2, ZoneCondition::kClosed}}},
        SelectAllCase{0x02,
                      {{1, ZoneCondition::kFull}, {2, ZoneCondition::kFull}, {3, ZoneCondition::kFull}}},
        SelectAllCase{0x03, {{3, ZoneCondition::kExplicitOpen}}},
        SelectAllCase{0x04,
                      {{1, ZoneCondition::kEmpty},
                       {2, ZoneCondition::kEmpty},
                       {3, ZoneCondition::kEmpty},
                       {4, ZoneCondition::kEmpty}}},
        SelectAllCase{0x05, {{5, ZoneCondition::kOffline}}}),
    select_all_name);

// ---- Zone Append ----

TEST_F(ZnsTest, AppendDecodes) {
  ZoneAppendCommand c = ok(decode_zone_append(append_sqe(4 * kZsze, 16, true), ns_, 512 * kKiB));
  EXPECT_EQ(c.zslba, 4 * kZsze);
  EXPECT_EQ(c.zone_sector, 4 * kZoneSectors);
  EXPECT_EQ(c.nlb, 16u);
  EXPECT_EQ(c.bytes, 16u * 4096);
  EXPECT_TRUE(c.fua);
  EXPECT_FALSE(ok(decode_zone_append(append_sqe(0, 1), ns_, 4096)).fua);
  // NLB is 16 bits, 0's based: 65536 LBAs at most.
  Sqe max = make_sqe(io_opcode::kZoneAppend, 2, {{10, 0}, {12, 0xffff | (0xabu << 16)}});
  ZnsNamespace big = ns_;
  big.nsze = 1 << 20;
  big.zsze = 1 << 17;
  EXPECT_EQ(ok(decode_zone_append(max, big, ~uint64_t{0})).nlb, 65536u);
  EXPECT_EQ(err(decode_zone_append(max, ns_, ~uint64_t{0})), kLbaOutOfRange);  // 16384 LBAs
}

TEST_F(ZnsTest, AppendErrors) {
  const uint64_t nsze = kZones * kZsze;
  EXPECT_EQ(err(decode_zone_append(append_sqe(kZsze + 8, 1), ns_, 512 * kKiB)), kInvalidField);
  EXPECT_EQ(err(decode_zone_append(append_sqe(nsze, 1), ns_, 512 * kKiB)), kLbaOutOfRange);
  EXPECT_EQ(err(decode_zone_append(append_sqe(15 * kZsze, 1025), ns_, ~uint64_t{0})), kLbaOutOfRange);
  EXPECT_TRUE(std::holds_alternative<ZoneAppendCommand>(
      decode_zone_append(append_sqe(15 * kZsze, 1024), ns_, ~uint64_t{0})));
  EXPECT_EQ(err(decode_zone_append(append_sqe(uint64_t{1} << 40, 1), ns_, 512 * kKiB)), kLbaOutOfRange);
  // Size against ZASL: 32 KiB limit (ZASL 3).
  const uint64_t limit = zone_append_limit_bytes(3, 7);
  EXPECT_TRUE(std::holds_alternative<ZoneAppendCommand>(decode_zone_append(append_sqe(0, 8), ns_, limit)));
  EXPECT_EQ(err(decode_zone_append(append_sqe(0, 9), ns_, limit)), kInvalidField);
}

TEST(ZoneAppendLimit, ZaslAndMdts) {
  EXPECT_EQ(zone_append_limit_bytes(0, 7), 512 * kKiB);  // ZASL 0 = MDTS
  EXPECT_EQ(zone_append_limit_bytes(3, 7), 32 * kKiB);
  EXPECT_EQ(zone_append_limit_bytes(0, 0), ~uint64_t{0});  // neither limits
  EXPECT_EQ(zone_append_limit_bytes(1, 0), 8 * kKiB);
  EXPECT_EQ(zone_append_size_limit(1 * kMiB, 7), 0);  // MDTS (512 KiB) is smaller
  EXPECT_EQ(zone_append_size_limit(512 * kKiB, 7), 0);
  EXPECT_EQ(zone_append_size_limit(256 * kKiB, 7), 6);
  EXPECT_EQ(zone_append_size_limit(96 * kKiB, 7), 4);   // rounded down to 64 KiB
  EXPECT_EQ(zone_append_size_limit(8 * kKiB, 7), 1);
  EXPECT_EQ(zone_append_size_limit(1 * kMiB, 0), 8);    // no MDTS
  EXPECT_THROW(zone_append_size_limit(4 * kKiB, 7), std::invalid_argument);
  EXPECT_THROW(zone_append_size_limit(512, 7), std::invalid_argument);
  for (uint64_t bytes : {8 * kKiB, 96 * kKiB, 300 * kKiB, 1 * kMiB}) {
    EXPECT_LE(zone_append_limit_bytes(zone_append_size_limit(bytes, 7), 7), bytes) << bytes;
  }
}

TEST(ZoneAppendResult, AlbaInDw0AndDw1) {
  ZnsNamespace ns;
  ns.lba_bytes = 4096;
  ns.lba_sectors = 8;
  Cqe cqe;
  const uint64_t alba = (uint64_t{0x12345678} << 32) | 0x9abcdef0;
  set_zone_append_result(ns, alba * 8, cqe);
  EXPECT_EQ(cqe.dw0, 0x9abcdef0u);
  EXPECT_EQ(cqe.dw1, 0x12345678u);
}

TEST_F(ZnsTest, AppendThroughTheEngine) {
  ASSERT_EQ(write(4, 0, 3 * 4096), ZoneStatus::kOk);
  ZoneAppendCommand c = ok(decode_zone_append(append_sqe(4 * kZsze, 2), ns_, 512 * kKiB));
  std::vector<uint8_t> data(c.bytes, 0x77);
  zoned::AppendResult r = client_.append(c.zone_sector, data);
  ASSERT_EQ(r.status, ZoneStatus::kOk);
  Cqe cqe;
  set_zone_append_result(ns_, r.sector, cqe);
  EXPECT_EQ(cqe.dw0, 4 * kZsze + 3);
  EXPECT_EQ(cqe.dw1, 0u);
}

// ---- Status mapping ----

TEST(ZonedStatus, EveryEngineStatus) {
  struct Row {
    ZoneStatus s;
    StatusCodeType sct;
    uint8_t sc;
    bool dnr;
  };
  using T = StatusCodeType;
  // Notes section 5.8 and ZNS 1.1 figure "Status Code - Command Specific Status Values".
  const Row rows[] = {
      {ZoneStatus::kOk, T::kGeneric, 0x00, false},
      {ZoneStatus::kOutOfRange, T::kGeneric, 0x80, true},
      {ZoneStatus::kMisaligned, T::kGeneric, 0x02, true},
      {ZoneStatus::kInvalidField, T::kGeneric, 0x02, true},
      {ZoneStatus::kAppendTooLarge, T::kGeneric, 0x02, true},
      {ZoneStatus::kInvalidZoneOp, T::kCommandSpecific, 0xb6, true},
      {ZoneStatus::kBoundaryError, T::kCommandSpecific, 0xb8, true},
      {ZoneStatus::kZoneFull, T::kCommandSpecific, 0xb9, true},
      {ZoneStatus::kZoneReadOnly, T::kCommandSpecific, 0xba, true},
      {ZoneStatus::kZoneOffline, T::kCommandSpecific, 0xbb, true},
      {ZoneStatus::kUnalignedWrite, T::kCommandSpecific, 0xbc, true},
      {ZoneStatus::kActiveResource, T::kCommandSpecific, 0xbd, true},
      {ZoneStatus::kOpenResource, T::kCommandSpecific, 0xbe, true},
      {ZoneStatus::kInvalidTransition, T::kCommandSpecific, 0xbf, true},
      {ZoneStatus::kIoError, T::kMediaError, 0x80, false},  // Write Fault
  };
  for (const Row& r : rows) {
    EXPECT_EQ(zoned_status(r.s, false), (Status{r.sct, r.sc, r.dnr})) << zoned::to_string(r.s);
  }
  EXPECT_EQ(zoned_status(ZoneStatus::kIoError, true), (Status{T::kMediaError, 0x81, false}));
  EXPECT_EQ(zoned_status(ZoneStatus::kZoneOffline, true), sct1(0xbb));
  // The CQE Status field: SC 7:0, SCT 10:8, DNR 14.
  EXPECT_EQ(zoned_status(ZoneStatus::kOpenResource, false).field(), 0x41be);
  EXPECT_EQ(zoned_status(ZoneStatus::kOutOfRange, false).field(), 0x4080);
}

TEST_F(ZnsTest, EngineErrorsMapToTheZnsCodes) {
  every_condition();
  std::vector<uint8_t> block(4096, 1), buf(4096);
  auto w = [&](uint64_t sector) { return zoned_status(client_.write(sector, block), false); };
  EXPECT_EQ(w(start(1) + 16), sct1(0xbc));                 // not at the WP: Zone Invalid Write
  EXPECT_EQ(w(start(4)), sct1(0xb9));                      // FULL
  EXPECT_EQ(w(start(5)), sct1(0xba));                      // READ ONLY
  EXPECT_EQ(w(start(6)), sct1(0xbb));                      // OFFLINE
  EXPECT_EQ(zoned_status(client_.read(start(6), buf), true), sct1(0xbb));
  // Zone 2 (EXP_OPEN, WP at 1 LBA): a write from the WP past ZCAP.
  std::vector<uint8_t> past_capacity(kZcap * 4096, 2);
  EXPECT_EQ(zoned_status(client_.write(start(2) + 8, past_capacity), false), sct1(0xb8));
  // Open 1, 2; active 1, 2, 3 (max open 3, max active 4). Opening zone 7
  // takes the last active slot; zone 8 then finds no active slot and no
  // data-less IMP_OPEN zone to auto-close: Too Many Active Zones.
  ASSERT_EQ(client_.open(start(7)), ZoneStatus::kOk);
  EXPECT_EQ(zoned_status(client_.open(start(8)), false), sct1(0xbd));
  // Finish zone 3 (frees an active slot), make zone 1 EXP_OPEN: open 1, 2, 7,
  // all explicit, so nothing can be auto-closed: Too Many Open Zones.
  ASSERT_EQ(client_.finish(start(3)), ZoneStatus::kOk);
  ASSERT_EQ(client_.open(start(1)), ZoneStatus::kOk);
  EXPECT_EQ(zoned_status(client_.open(start(8)), false), sct1(0xbe));
  // Reads across zone boundaries succeed (OZCS.RAZB).
  std::vector<uint8_t> across(2 * 4096);
  EXPECT_EQ(client_.read(start(1) + kZoneSectors - 8, across), ZoneStatus::kOk);
}

// Random command dwords (biased towards the interesting values) through the
// three decoders and the report: nothing throws, every error has DNR, and
// every decoded command satisfies the decoder's promises.
TEST_F(ZnsTest, FuzzedFields) {
  every_condition();
  std::mt19937_64 rng(12);
  auto pick_lba = [&]() -> uint64_t {
    switch (rng() % 5) {
      case 0: return (rng() % kZones) * kZsze;                   // zone start
      case 1: return rng() % ns_.nsze;                           // inside
      case 2: return ns_.nsze - rng() % 3;                       // around the end
      case 3: return rng();                                      // anything
      default: return (rng() % (kZones + 2)) * kZsze + rng() % 2;
    }
  };
  auto sqe = [&](uint8_t opcode) {
    const uint64_t slba = pick_lba();
    const uint32_t cdw12 = rng() % 2 ? static_cast<uint32_t>(rng() % 4096) : static_cast<uint32_t>(rng());
    const uint32_t cdw13 = rng() % 2 ? static_cast<uint32_t>(rng() % 0x30000) : static_cast<uint32_t>(rng());
    return make_sqe(opcode, 2, {{10, static_cast<uint32_t>(slba)},
                                {11, static_cast<uint32_t>(slba >> 32)},
                                {12, cdw12},
                                {13, cdw13}});
  };
  for (int i = 0; i < 20000; ++i) {
    const Sqe r = sqe(io_opcode::kZoneManagementReceive);
    auto rv = decode_zone_receive(r, ns_, 512 * kKiB);
    if (const Status* st = std::get_if<Status>(&rv)) {
      EXPECT_TRUE(st->dnr);
    } else {
      const ZoneReceiveCommand& c = std::get<ZoneReceiveCommand>(rv);
      ASSERT_LT(c.slba, ns_.nsze);
      ASSERT_GE(c.bytes, 64u);
      ASSERT_LE(c.bytes, 512 * kKiB);
      ASSERT_FALSE(c.extended);  // ZDES 0
      ZoneReceiveReply rep = zone_management_receive(ns_, c);
      ASSERT_TRUE(rep.status.ok());
      ASSERT_GE(rep.data.size(), 64u);
      ASSERT_LE(rep.data.size(), c.bytes);
      ASSERT_EQ((rep.data.size() - 64) % 64, 0u);
      const uint64_t transferred = (rep.data.size() - 64) / 64;
      const uint64_t nr = le<uint64_t>(rep.data, 0);
      if (c.partial) {
        ASSERT_EQ(nr, transferred);
      } else {
        ASSERT_GE(nr, transferred);
        ASSERT_LE(nr, kZones - c.slba / kZsze);
      }
    }
    const Sqe s = sqe(io_opcode::kZoneManagementSend);
    auto sv = decode_zone_send(s, ns_);
    if (const Status* st = std::get_if<Status>(&sv)) {
      EXPECT_TRUE(st->dnr);
    } else {
      const ZoneSendCommand& c = std::get<ZoneSendCommand>(sv);
      ASSERT_EQ(c.kind, ZoneSendCommand::Kind::kZoneOp);
      ASSERT_TRUE(c.zsa >= 1 && c.zsa <= 5);
      if (!c.select_all) {
        ASSERT_LT(c.slba, ns_.nsze);
        ASSERT_TRUE(ns_.is_zone_start(c.slba));
        ASSERT_EQ(c.sector, ns_.sector(c.slba));
      }
    }
    const Sqe a = sqe(io_opcode::kZoneAppend);
    auto av = decode_zone_append(a, ns_, 512 * kKiB);
    if (const Status* st = std::get_if<Status>(&av)) {
      EXPECT_TRUE(st->dnr);
    } else {
      const ZoneAppendCommand& c = std::get<ZoneAppendCommand>(av);
      ASSERT_TRUE(ns_.is_zone_start(c.zslba));
      ASSERT_LE(c.zslba + c.nlb, ns_.nsze);
      ASSERT_LE(c.bytes, 512 * kKiB);
      ASSERT_EQ(c.bytes, uint64_t{c.nlb} * 4096);
    }
  }
}

}  // namespace
}  // namespace zvmm::nvme

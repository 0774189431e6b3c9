// Identify data checked at the byte offsets of the NVMe Base Specification 2.0
// figures (Identify Controller, Identify Namespace, Namespace Identification
// Descriptor) as listed in /work/shared/notes/nvme-zns.md sections 2.1 and
// 6.2, which were checked against Linux 6.12's struct nvme_id_ctrl/nvme_id_ns.
#include "devices/nvme/identify.h"

#include <gtest/gtest.h>

#include <string>

#include "devices/nvme/pci_ids.h"
#include "devices/nvme/testing/admin_test_support.h"

namespace zvmm::nvme {
namespace {

using testing::make_sqe;

constexpr uint64_t kMiB = 1 << 20;

template <typename T>
T le(const std::vector<uint8_t>& d, size_t at) {
  return load_le<T>(d, at);
}

std::string text(const std::vector<uint8_t>& d, size_t at, size_t len) {
  return std::string(d.begin() + at, d.begin() + at + len);
}

Sqe identify_sqe(uint8_t cns_value, uint32_t nsid = 0, uint8_t csi_value = 0) {
  return make_sqe(admin_opcode::kIdentify, nsid, {{10, cns_value}, {11, uint32_t{csi_value} << 24}});
}

const Status kInvalidField = Status::generic(GenericStatus::kInvalidField, true);
const Status kInvalidNamespace = Status::generic(GenericStatus::kInvalidNamespaceOrFormat, true);

class IdentifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    plain_ = testing::plain_device("identify_plain.img", 64 * kMiB);
    config_ = testing::controller_config();
    config_.namespaces.push_back(testing::namespace_config(1, plain_.get()));
  }

  AdminReply run(const Sqe& sqe) {
    AdminReply r = identify(config_, sqe, caps_);
    if (r.status.ok()) {
      EXPECT_EQ(r.data.size(), 4096u);
    }
    return r;
  }

  std::unique_ptr<zoned::ZonedDevice> plain_;
  ControllerConfig config_;
  AdminCapabilities caps_;
};

TEST_F(IdentifyTest, ControllerFieldsLinuxReads) {
  AdminReply r = run(identify_sqe(0x01));
  ASSERT_TRUE(r.status.ok());
  const std::vector<uint8_t>& d = r.data;
  EXPECT_EQ(le<uint16_t>(d, 0), 0x1b36);                     // VID
  EXPECT_EQ(le<uint16_t>(d, 2), 0x1b36);                     // SSVID
  EXPECT_EQ(text(d, 4, 20), "ZVMM0001            ");         // SN
  EXPECT_EQ(text(d, 24, 40), "zvmm test" + std::string(31, ' '));  // MN
  EXPECT_EQ(text(d, 64, 8), "0.1     ");                     // FR
  EXPECT_EQ(d[72], 6);                                        // RAB
  EXPECT_EQ(d[76], 0);                                        // CMIC
  EXPECT_EQ(d[77], 7);                                        // MDTS
  EXPECT_EQ(le<uint16_t>(d, 78), 7);                          // CNTLID
  EXPECT_EQ(le<uint32_t>(d, 80), 0x00010400u);                // VER 1.4.0
  EXPECT_EQ(le<uint32_t>(d, 92), 1u << 8);                    // OAES: NS attribute notices
  EXPECT_EQ(le<uint32_t>(d, 96), 0u);                         // CTRATT
  EXPECT_EQ(d[111], 1);                                       // CNTRLTYPE: I/O controller
  EXPECT_EQ(le<uint16_t>(d, 256), 1u << 8);                   // OACS: Doorbell Buffer Config only
  EXPECT_EQ(d[258], 3);                                       // ACL
  EXPECT_EQ(d[259], 3);                                       // AERL
  EXPECT_EQ(d[260], 0x03);                                    // FRMW: 1 slot, slot 1 RO
  EXPECT_EQ(d[261], 0x06);                                    // LPA: effects log, extended data
  EXPECT_EQ(d[262], 63);                                      // ELPE: 64 entries
  EXPECT_EQ(d[263], 0);                                       // NPSS: one power state
  EXPECT_EQ(d[265], 0);                                       // APSTA: no APST
  EXPECT_EQ(le<uint16_t>(d, 266), 0x157);                     // WCTEMP
  EXPECT_EQ(le<uint16_t>(d, 268), 0x175);                     // CCTEMP
  EXPECT_EQ(le<uint32_t>(d, 272), 0u);                        // HMPRE: no HMB
  EXPECT_EQ(le<uint16_t>(d, 320), 1);                         // KAS
  EXPECT_EQ(d[512], 0x66);                                    // SQES
  EXPECT_EQ(d[513], 0x44);                                    // CQES
  EXPECT_EQ(le<uint16_t>(d, 514), 1024);                      // MAXCMD = MQES + 1
  EXPECT_EQ(le<uint32_t>(d, 516), 256u);                      // NN
  EXPECT_EQ(le<uint16_t>(d, 520), (1u << 2) | (1u << 3) | (1u << 4));  // ONCS: DSM, WZ, Save/Select
  EXPECT_EQ(d[525], 0x05);                                    // VWC present, no broadcast flush
  EXPECT_EQ(le<uint32_t>(d, 536), 0u);                        // SGLS: PRPs only
  EXPECT_EQ(le<uint32_t>(d, 540), 0u);                        // MNAN
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(&d[768])), "nqn.2025-01.io.zvmm:ZVMM0001");
  EXPECT_EQ(d[768 + 28], 0);                                  // SUBNQN NUL-terminated
  EXPECT_EQ(le<uint16_t>(d, 2048), 2500);                     // PSD0 MP: 25 W
  EXPECT_EQ(le<uint32_t>(d, 3072), 0u);                       // vendor specific: zero
}

TEST_F(IdentifyTest, ControllerFollowsCapabilities) {
  caps_.compare = true;
  caps_.verify = true;
  caps_.write_zeroes = false;
  caps_.flush_broadcast = true;
  caps_.doorbell_buffer_config = false;
  caps_.keep_alive = false;
  caps_.zone_descriptor_changed_notices = true;
  AdminReply r = run(identify_sqe(0x01));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(le<uint16_t>(r.data, 520), (1u << 0) | (1u << 2) | (1u << 4) | (1u << 7));
  EXPECT_EQ(r.data[525], 0x07);
  EXPECT_EQ(le<uint16_t>(r.data, 256), 0);
  EXPECT_EQ(le<uint16_t>(r.data, 320), 0);
  EXPECT_EQ(le<uint32_t>(r.data, 92), (1u << 8) | (1u << 27));
  caps_.volatile_write_cache = false;
  EXPECT_EQ(run(identify_sqe(0x01)).data[525], 0x00);
}

TEST_F(IdentifyTest, ControllerIgnoresNsid) {
  EXPECT_TRUE(run(identify_sqe(0x01, 0xffffffff)).status.ok());
  EXPECT_TRUE(run(identify_sqe(0x01, 12345)).status.ok());
}

TEST_F(IdentifyTest, NamespaceOnPlain512Image) {
  AdminReply r = run(identify_sqe(0x00, 1));
  ASSERT_TRUE(r.status.ok());
  const std::vector<uint8_t>& d = r.data;
  const uint64_t blocks = 64 * kMiB / 512;
  EXPECT_EQ(le<uint64_t>(d, 0), blocks);   // NSZE
  EXPECT_EQ(le<uint64_t>(d, 8), blocks);   // NCAP (non-zero: attached)
  EXPECT_EQ(le<uint64_t>(d, 16), blocks);  // NUSE
  EXPECT_EQ(d[24] & 0x1, 0);               // NSFEAT: not thin provisioned
  EXPECT_EQ(d[24] & 0x12, 0);              // no NAWUN/NPWG fields claimed
  EXPECT_EQ(d[25], 0);                     // NLBAF: one format
  EXPECT_EQ(d[26], 0);                     // FLBAS: format 0, no extended metadata
  EXPECT_EQ(d[29], 0);                     // DPS: no protection information
  EXPECT_EQ(d[30], 0);                     // NMIC: private
  EXPECT_EQ(d[33], 0x09);                  // DLFEAT: reads zeros, WZ DEAC
  EXPECT_EQ(d[99], 0);                     // NSATTR: writable
  for (int i = 0; i < 16; ++i) EXPECT_EQ(d[104 + i], 0x10 + i) << i;  // NGUID
  for (int i = 0; i < 8; ++i) EXPECT_EQ(d[120 + i], 0x90 + i) << i;   // EUI64
  EXPECT_EQ(le<uint16_t>(d, 128), 0);      // LBAF0 MS
  EXPECT_EQ(d[130], 9);                    // LBAF0 LBADS: 512 bytes
  EXPECT_EQ(d[131] & 0x3, 0);              // RP
  EXPECT_EQ(le<uint32_t>(d, 132), 0u);     // LBAF1 unused
}

TEST_F(IdentifyTest, NamespaceWith4KiBBlocks) {
  zoned::testing::EngineFixture f({.device_bytes = 32 * kMiB,
                                   .zone_size_bytes = 1ull << 30,
                                   .logical_block_size = 4096,
                                   .model = zoned::ZonedModel::kNone},
                                  "identify_4k.img");
  config_.namespaces.push_back(testing::namespace_config(2, f.engine.get()));
  AdminReply r = run(identify_sqe(0x00, 2));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(le<uint64_t>(r.data, 0), 32 * kMiB / 4096);
  EXPECT_EQ(r.data[130], 12);
}

TEST_F(IdentifyTest, ZonedDeviceStillHasAValidNvmNamespace) {
  zoned::testing::EngineFixture f({.device_bytes = 64 * kMiB,
                                   .zone_size_bytes = 4 * kMiB,
                                   .logical_block_size = 4096,
                                   .model = zoned::ZonedModel::kHostManaged},
                                  "identify_zoned.img");
  config_.namespaces.push_back(testing::namespace_config(2, f.engine.get()));
  AdminReply r = run(identify_sqe(0x00, 2));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(le<uint64_t>(r.data, 0), 64 * kMiB / 4096);
  EXPECT_EQ(le<uint64_t>(r.data, 8), 64 * kMiB / 4096);
  EXPECT_EQ(r.data[130], 12);
  EXPECT_EQ(r.data[33] & 0x7, 0);  // sequential zones ignore deallocation
}

TEST_F(IdentifyTest, ReadOnlyNamespaceIsWriteProtected) {
  auto ro = testing::plain_device("identify_ro.img", 8 * kMiB, /*read_only=*/true);
  config_.namespaces.push_back(testing::namespace_config(3, ro.get()));
  EXPECT_EQ(run(identify_sqe(0x00, 3)).data[99], 1);
  EXPECT_EQ(run(identify_sqe(0x08, 3)).data[8], 1);
}

TEST_F(IdentifyTest, NamespaceNsidRules) {
  AdminReply inactive = run(identify_sqe(0x00, 2));  // valid (<= NN) but no namespace
  ASSERT_TRUE(inactive.status.ok());
  EXPECT_EQ(inactive.data, std::vector<uint8_t>(4096, 0));
  EXPECT_TRUE(run(identify_sqe(0x00, 256)).status.ok());
  EXPECT_EQ(run(identify_sqe(0x00, 0)).status, kInvalidNamespace);
  EXPECT_EQ(run(identify_sqe(0x00, 257)).status, kInvalidNamespace);
  EXPECT_EQ(run(identify_sqe(0x00, 0xffffffff)).status, kInvalidNamespace);  // no NS management
  EXPECT_TRUE(run(identify_sqe(0x00, 0xffffffff)).data.empty());
}

TEST_F(IdentifyTest, ActiveNamespaceList) {
  auto d3 = testing::plain_device("identify_ns3.img", 4 * kMiB);
  auto d5 = testing::plain_device("identify_ns5.img", 4 * kMiB);
  // Out of order in the config: the list is ascending anyway.
  config_.namespaces.push_back(testing::namespace_config(5, d5.get()));
  config_.namespaces.push_back(testing::namespace_config(3, d3.get()));
  AdminReply all = run(identify_sqe(0x02, 0));
  ASSERT_TRUE(all.status.ok());
  EXPECT_EQ(le<uint32_t>(all.data, 0), 1u);
  EXPECT_EQ(le<uint32_t>(all.data, 4), 3u);
  EXPECT_EQ(le<uint32_t>(all.data, 8), 5u);
  EXPECT_EQ(le<uint32_t>(all.data, 12), 0u);
  AdminReply after3 = run(identify_sqe(0x02, 3));  // ids greater than NSID
  EXPECT_EQ(le<uint32_t>(after3.data, 0), 5u);
  EXPECT_EQ(le<uint32_t>(after3.data, 4), 0u);
  AdminReply after5 = run(identify_sqe(0x02, 5));
  ASSERT_TRUE(after5.status.ok());
  EXPECT_EQ(after5.data, std::vector<uint8_t>(4096, 0));
  EXPECT_TRUE(run(identify_sqe(0x02, 0xfffffffd)).status.ok());
  EXPECT_EQ(run(identify_sqe(0x02, 0xfffffffe)).status, kInvalidNamespace);
  EXPECT_EQ(run(identify_sqe(0x02, 0xffffffff)).status, kInvalidNamespace);
}

// Walks a descriptor list the way Linux's nvme_identify_ns_descs does.
struct Descriptors {
  std::vector<uint8_t> eui64, nguid, uuid, csi;
  bool malformed = false;
};
Descriptors parse_descriptors(const std::vector<uint8_t>& d) {
  Descriptors out;
  for (size_t pos = 0; pos + 4 <= d.size();) {
    const uint8_t type = d[pos], len = d[pos + 1];
    if (len == 0) break;
    const std::vector<uint8_t> value(d.begin() + pos + 4, d.begin() + pos + 4 + len);
    const std::pair<uint8_t, uint8_t> expected[] = {{1, 8}, {2, 16}, {3, 16}, {4, 1}};
    for (auto [t, l] : expected) {
      if (type == t && len != l) out.malformed = true;
    }
    if (type == 1) out.eui64 = value;
    if (type == 2) out.nguid = value;
    if (type == 3) out.uuid = value;
    if (type == 4) out.csi = value;
    pos += 4 + len;
  }
  return out;
}

TEST_F(IdentifyTest, DescriptorListCarriesEveryIdAndTheCsi) {
  AdminReply r = run(identify_sqe(0x03, 1));
  ASSERT_TRUE(r.status.ok());
  Descriptors d = parse_descriptors(r.data);
  EXPECT_FALSE(d.malformed);
  const NamespaceConfig& ns = config_.namespaces[0];
  EXPECT_EQ(d.eui64, std::vector<uint8_t>(ns.eui64.begin(), ns.eui64.end()));
  EXPECT_EQ(d.nguid, std::vector<uint8_t>(ns.nguid.begin(), ns.nguid.end()));
  EXPECT_EQ(d.uuid, std::vector<uint8_t>(ns.uuid.begin(), ns.uuid.end()));
  EXPECT_EQ(d.csi, std::vector<uint8_t>{0});
  // First descriptor at offset 0: NIDT 1, NIDL 8.
  EXPECT_EQ(r.data[0], 1);
  EXPECT_EQ(r.data[1], 8);
}

TEST_F(IdentifyTest, DescriptorListWithoutUuidStillHasCsi) {
  config_.namespaces[0].uuid = {};
  Descriptors d = parse_descriptors(run(identify_sqe(0x03, 1)).data);
  EXPECT_TRUE(d.uuid.empty());
  EXPECT_EQ(d.csi, std::vector<uint8_t>{0});
  EXPECT_EQ(d.nguid.size(), 16u);
}

TEST_F(IdentifyTest, DescriptorListNsidRules) {
  EXPECT_EQ(run(identify_sqe(0x03, 2)).status, kInvalidField);  // inactive
  EXPECT_EQ(run(identify_sqe(0x03, 0)).status, kInvalidNamespace);
  EXPECT_EQ(run(identify_sqe(0x03, 0xffffffff)).status, kInvalidNamespace);
}

class ZonedCommandSetTest : public IdentifyTest {
 protected:
  void SetUp() override {
    IdentifyTest::SetUp();
    fixture_ = std::make_unique<zoned::testing::EngineFixture>(
        zoned::ZoneGeometryConfig{.device_bytes = 64 * kMiB,
                                  .zone_size_bytes = 4 * kMiB,
                                  .logical_block_size = 4096,
                                  .model = zoned::ZonedModel::kHostManaged},
        "identify_zns.img");
    config_.namespaces.push_back(testing::namespace_config(2, fixture_->engine.get()));
  }
  std::unique_ptr<zoned::testing::EngineFixture> fixture_;
};

TEST_F(ZonedCommandSetTest, WithoutZnsEveryNamespaceIsNvm) {
  EXPECT_EQ(parse_descriptors(run(identify_sqe(0x03, 2)).data).csi, std::vector<uint8_t>{0});
  AdminReply nvm = run(identify_sqe(0x07, 0, 0));
  EXPECT_EQ(le<uint32_t>(nvm.data, 0), 1u);
  EXPECT_EQ(le<uint32_t>(nvm.data, 4), 2u);
  EXPECT_EQ(run(identify_sqe(0x07, 0, 2)).status, kInvalidField);
  EXPECT_EQ(run(identify_sqe(0x05, 2, 2)).status, kInvalidField);
  EXPECT_EQ(run(identify_sqe(0x06, 0, 2)).status, kInvalidField);
  EXPECT_EQ(le<uint64_t>(run(identify_sqe(0x1c)).data, 0), 0x1u);
}

TEST_F(ZonedCommandSetTest, WithZnsTheHostManagedNamespaceIsCsi2) {
  caps_.zoned_command_set = true;
  EXPECT_EQ(parse_descriptors(run(identify_sqe(0x03, 2)).data).csi, std::vector<uint8_t>{2});
  EXPECT_EQ(parse_descriptors(run(identify_sqe(0x03, 1)).data).csi, std::vector<uint8_t>{0});
  AdminReply nvm = run(identify_sqe(0x07, 0, 0));
  EXPECT_EQ(le<uint32_t>(nvm.data, 0), 1u);
  EXPECT_EQ(le<uint32_t>(nvm.data, 4), 0u);
  AdminReply zns = run(identify_sqe(0x07, 0, 2));
  ASSERT_TRUE(zns.status.ok());
  EXPECT_EQ(le<uint32_t>(zns.data, 0), 2u);
  EXPECT_EQ(le<uint32_t>(zns.data, 4), 0u);
  EXPECT_EQ(le<uint32_t>(run(identify_sqe(0x07, 2, 2)).data, 0), 0u);
  EXPECT_EQ(run(identify_sqe(0x07, 0xffffffff, 0)).status, kInvalidNamespace);
  // NVM command set structures still describe a zoned namespace.
  EXPECT_TRUE(run(identify_sqe(0x05, 2, 0)).status.ok());
  EXPECT_EQ(le<uint64_t>(run(identify_sqe(0x1c)).data, 0), 0x5u);  // NVM | ZNS
  EXPECT_TRUE(run(identify_sqe(0x05, 2, 2)).status.ok());
  EXPECT_TRUE(run(identify_sqe(0x06, 0, 2)).status.ok());
}

// ZNS 1.1 Identify Namespace (CNS 05h, CSI 02h) at the offsets of notes
// section 5.1: ZOC 0, OZCS 2, MAR 4, MOR 8, RRL 12, FRL 16, RRL1-3 20..31,
// FRL1-3 32..43, NUMZRWA 44, ZRWAFG 48, ZRWASZ 50, ZRWACAP 52, LBAFE 2816
// (16 bytes each: ZSZE 8, ZDES 1).
TEST_F(ZonedCommandSetTest, ZnsIdentifyNamespace) {
  caps_.zoned_command_set = true;
  AdminReply r = run(identify_sqe(0x05, 2, 2));
  ASSERT_TRUE(r.status.ok());
  const std::vector<uint8_t>& d = r.data;
  EXPECT_EQ(le<uint16_t>(d, 0), 0);             // ZOC: Linux needs 0
  EXPECT_EQ(le<uint16_t>(d, 2), 1);             // OZCS: RAZB, no ZRWASUP
  EXPECT_EQ(le<uint32_t>(d, 4), 0xffffffffu);   // MAR: no limit
  EXPECT_EQ(le<uint32_t>(d, 8), 0xffffffffu);   // MOR: no limit
  EXPECT_EQ(le<uint32_t>(d, 12), 0u);           // RRL
  EXPECT_EQ(le<uint32_t>(d, 16), 0u);           // FRL
  for (size_t i = 20; i < 2816; ++i) ASSERT_EQ(d[i], 0) << i;  // RRL1.., ZRWA fields, reserved
  EXPECT_EQ(le<uint64_t>(d, 2816), 4 * kMiB / 4096);           // LBAFE[0].ZSZE: 1024 LBAs
  EXPECT_EQ(d[2824], 0);                                       // LBAFE[0].ZDES
  for (size_t i = 2825; i < 4096; ++i) ASSERT_EQ(d[i], 0) << i;  // other LBAFEs, vendor specific
  // NSZE (CNS 00h) = zones * ZSZE, in the same LBAs.
  AdminReply id = run(identify_sqe(0x00, 2));
  EXPECT_EQ(le<uint64_t>(id.data, 0), 16 * le<uint64_t>(d, 2816));
  EXPECT_EQ(id.data[130], 12);  // LBAF0 LBADS: 4 KiB, the LBA ZSZE counts in
}

TEST_F(ZonedCommandSetTest, ZnsIdentifyNamespaceLimits) {
  caps_.zoned_command_set = true;
  zoned::testing::EngineFixture limited(
      zoned::ZoneGeometryConfig{.device_bytes = 64 * kMiB,
                                .zone_size_bytes = 8 * kMiB,
                                .max_open = 3,
                                .max_active = 5,
                                .model = zoned::ZonedModel::kHostManaged},
      "identify_zns_limits.img");
  config_.namespaces.push_back(testing::namespace_config(3, limited.engine.get()));
  AdminReply r = run(identify_sqe(0x05, 3, 2));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(le<uint32_t>(r.data, 4), 4u);              // MAR: 5 active, 0's based
  EXPECT_EQ(le<uint32_t>(r.data, 8), 2u);              // MOR: 3 open
  EXPECT_EQ(le<uint64_t>(r.data, 2816), 8 * kMiB / 512);  // ZSZE in 512-byte LBAs
}

TEST_F(ZonedCommandSetTest, ZnsIdentifyNamespaceRules) {
  caps_.zoned_command_set = true;
  EXPECT_EQ(run(identify_sqe(0x05, 1, 2)).status, kInvalidField);     // NVM namespace
  EXPECT_EQ(run(identify_sqe(0x05, 9, 2)).data, std::vector<uint8_t>(4096, 0));  // inactive
  EXPECT_EQ(run(identify_sqe(0x05, 0, 2)).status, kInvalidNamespace);
  EXPECT_EQ(run(identify_sqe(0x05, 0xffffffff, 2)).status, kInvalidNamespace);
  // The NVM structures of the zoned namespace stay valid (Linux reads CNS 00h).
  AdminReply id = run(identify_sqe(0x00, 2));
  ASSERT_TRUE(id.status.ok());
  EXPECT_GT(le<uint64_t>(id.data, 8), 0u);  // NCAP: 0 would be "not attached"
}

// ZNS 1.1 Identify Controller (CNS 06h, CSI 02h): ZASL at byte 0.
TEST_F(ZonedCommandSetTest, ZnsIdentifyController) {
  caps_.zoned_command_set = true;
  AdminReply r = run(identify_sqe(0x06, 0, 2));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.data, std::vector<uint8_t>(4096, 0));  // ZASL 0: MDTS
  caps_.zone_append_size_limit = 5;
  r = run(identify_sqe(0x06, 0, 2));
  EXPECT_EQ(r.data[0], 5);
  for (size_t i = 1; i < 4096; ++i) ASSERT_EQ(r.data[i], 0) << i;
}

TEST_F(IdentifyTest, CommandSetSpecificNvmStructures) {
  AdminReply ns = run(identify_sqe(0x05, 1, 0));
  ASSERT_TRUE(ns.status.ok());
  EXPECT_EQ(ns.data, std::vector<uint8_t>(4096, 0));  // no PI, no extended LBA formats
  AdminReply ctrl = run(identify_sqe(0x06, 0, 0));
  ASSERT_TRUE(ctrl.status.ok());
  EXPECT_EQ(ctrl.data[0], 0);                // VSL
  EXPECT_EQ(ctrl.data[1], 0);                // WZSL: MDTS rules
  EXPECT_EQ(ctrl.data[3], 0);                // DMRL: 256 ranges
  EXPECT_EQ(le<uint32_t>(ctrl.data, 4), 0u);  // DMRSL
  EXPECT_TRUE(run(identify_sqe(0x05, 2, 0)).status.ok());  // inactive: zeros
  EXPECT_EQ(run(identify_sqe(0x05, 0, 0)).status, kInvalidNamespace);
  EXPECT_EQ(run(identify_sqe(0x05, 1, 1)).status, kInvalidField);
  EXPECT_EQ(run(identify_sqe(0x06, 0, 1)).status, kInvalidField);
  EXPECT_EQ(run(identify_sqe(0x07, 0, 3)).status, kInvalidField);
}

TEST_F(IdentifyTest, CommandSetIndependentNamespace) {
  AdminReply r = run(identify_sqe(0x08, 1));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.data[1], 0);                     // NMIC
  EXPECT_EQ(le<uint32_t>(r.data, 4), 0u);      // ANAGRPID
  EXPECT_EQ(r.data[8], 0);                     // NSATTR
  EXPECT_EQ(le<uint16_t>(r.data, 14) & 1, 1);  // NSTAT: ready
  EXPECT_EQ(run(identify_sqe(0x08, 9)).data, std::vector<uint8_t>(4096, 0));
  EXPECT_EQ(run(identify_sqe(0x08, 0)).status, kInvalidNamespace);
}

TEST_F(IdentifyTest, IoCommandSetVectors) {
  AdminReply r = run(identify_sqe(0x1c));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(le<uint64_t>(r.data, 0), 1u);  // vector 0: NVM only
  for (size_t i = 8; i < 4096; ++i) ASSERT_EQ(r.data[i], 0) << i;
}

TEST_F(IdentifyTest, UnsupportedCnsIsInvalidFieldWithDnr) {
  for (uint8_t c : {0x04, 0x09, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x1b, 0x1d, 0xff}) {
    AdminReply r = run(identify_sqe(c, 1));
    EXPECT_EQ(r.status, kInvalidField) << int{c};
    EXPECT_TRUE(r.status.dnr);
    EXPECT_TRUE(r.data.empty());
  }
}

TEST(PciIds, NotQemusQuirkedNvmeId) {
  EXPECT_EQ(kPciVendorId, 0x1b36);
  EXPECT_NE(kPciDeviceId, 0x0010);
}

}  // namespace
}  // namespace zvmm::nvme

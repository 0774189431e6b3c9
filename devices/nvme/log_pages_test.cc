// Get Log Page against NVMe Base Specification 2.0 section 5.16 (figures
// "Get Log Page - Error Information Log Entry", "SMART / Health Information
// Log", "Firmware Slot Information Log", "Commands Supported and Effects").
#include "devices/nvme/log_pages.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "devices/nvme/testing/admin_test_support.h"

namespace zvmm::nvme {
namespace {

using testing::make_sqe;

// A Get Log Page SQE for `bytes` (a multiple of 4) at `offset`.
Sqe log_sqe(uint8_t lid, uint32_t bytes, uint32_t nsid = 0xffffffff, uint64_t offset = 0,
            uint8_t csi_value = 0, bool rae = false, uint8_t lsp = 0, bool ot = false) {
  const uint32_t numd = bytes / 4 - 1;
  return make_sqe(admin_opcode::kGetLogPage, nsid,
                  {{10, lid | (uint32_t{lsp} << 8) | (rae ? 1u << 15 : 0u) | ((numd & 0xffff) << 16)},
                   {11, numd >> 16},
                   {12, static_cast<uint32_t>(offset)},
                   {13, static_cast<uint32_t>(offset >> 32)},
                   {14, (uint32_t{csi_value} << 24) | (ot ? 1u << 23 : 0u)}});
}

const Status kInvalidField = Status::generic(GenericStatus::kInvalidField, true);

template <typename T>
T le(const std::vector<uint8_t>& d, size_t at) {
  return load_le<T>(d, at);
}

class LogPagesTest : public ::testing::Test {
 protected:
  LogPagesTest() : config_(testing::controller_config()), features_(config_, caps_) {}
  AdminReply run(const Sqe& sqe) {
    return get_log_page(sqe, LogPageSources{config_, caps_, health_, errors_, &features_});
  }

  ControllerConfig config_;
  AdminCapabilities caps_;
  HealthCounters health_;
  ErrorLog errors_;
  FeatureStore features_;
};

TEST(ParseGetLogPage, Fields) {
  Sqe s = make_sqe(admin_opcode::kGetLogPage, 7,
                   {{10, 0x05 | (0x7fu << 8) | (1u << 15) | (0xabcdu << 16)},
                    {11, 0x0002 | (0x1234u << 16)},
                    {12, 0x10},
                    {13, 0x1},
                    {14, (2u << 24) | (1u << 23) | 0x05}});
  GetLogPageCommand c = parse_get_log_page(s);
  EXPECT_EQ(c.lid, 0x05);
  EXPECT_EQ(c.lsp, 0x7f);
  EXPECT_TRUE(c.rae);
  EXPECT_EQ(c.length, ((uint64_t{2} << 16 | 0xabcd) + 1) * 4);
  EXPECT_EQ(c.lsi, 0x1234);
  EXPECT_EQ(c.offset, 0x100000010u);
  EXPECT_TRUE(c.index_offset);
  EXPECT_EQ(c.uuid_index, 5);
  EXPECT_EQ(c.csi, 2);
  EXPECT_EQ(c.nsid, 7u);
}

TEST_F(LogPagesTest, EmptyErrorLog) {
  AdminReply r = run(log_sqe(0x01, 4096));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.data, std::vector<uint8_t>(4096, 0));
}

TEST_F(LogPagesTest, ErrorLogEntriesNewestFirst) {
  for (uint16_t i = 1; i <= 3; ++i) {
    EXPECT_EQ(errors_.record({.sqid = i,
                              .cid = static_cast<uint16_t>(0x100 + i),
                              .status = Status::generic(GenericStatus::kInvalidField),
                              .phase = true,
                              .parameter_error_location = static_cast<uint16_t>(40 + i),
                              .lba = 0x1000u + i,
                              .nsid = i,
                              .command_specific = 0x77}),
              i);
  }
  AdminReply r = run(log_sqe(0x01, 4096));
  ASSERT_TRUE(r.status.ok());
  const std::vector<uint8_t>& d = r.data;
  EXPECT_EQ(le<uint64_t>(d, 0), 3u);      // Error Count
  EXPECT_EQ(le<uint16_t>(d, 8), 3);       // SQID
  EXPECT_EQ(le<uint16_t>(d, 10), 0x103);  // CID
  // Status Field: phase bit 0, then SC 8:1 = 02h, SCT 11:9 = 0, DNR 15.
  EXPECT_EQ(le<uint16_t>(d, 12), 0x1 | (0x02 << 1) | (1u << 15));
  EXPECT_EQ(le<uint16_t>(d, 14), 43);     // Parameter Error Location
  EXPECT_EQ(le<uint64_t>(d, 16), 0x1003u);  // LBA
  EXPECT_EQ(le<uint32_t>(d, 24), 3u);       // Namespace
  EXPECT_EQ(le<uint64_t>(d, 32), 0x77u);    // Command Specific Information
  EXPECT_EQ(le<uint64_t>(d, 64), 2u);
  EXPECT_EQ(le<uint64_t>(d, 128), 1u);
  EXPECT_EQ(le<uint64_t>(d, 192), 0u);  // unused entry
  EXPECT_EQ(errors_.error_count(), 3u);
}

TEST_F(LogPagesTest, ErrorLogKeepsTheLast64) {
  for (int i = 0; i < 70; ++i) errors_.record({.status = Status::specific(0x09)});
  std::vector<uint8_t> d = run(log_sqe(0x01, 4096)).data;
  EXPECT_EQ(le<uint64_t>(d, 0), 70u);
  EXPECT_EQ(le<uint64_t>(d, 63 * 64), 7u);
  EXPECT_EQ(le<uint16_t>(d, 12), (0x09 << 1) | (1u << 9) | (1u << 15));  // SCT 1h
  EXPECT_EQ(le<uint16_t>(d, 14), 0xffff);  // no parameter location
}

TEST_F(LogPagesTest, ErrorLogFromSeveralThreads) {
  constexpr int kThreads = 4, kEach = 1000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        errors_.record({.sqid = static_cast<uint16_t>(t + 1),
                        .cid = static_cast<uint16_t>(i),
                        .status = Status::specific(0x09)});
      }
    });
  }
  std::vector<std::vector<uint8_t>> snapshots;
  for (int i = 0; i < 50; ++i) snapshots.push_back(errors_.page());  // concurrent readers
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors_.error_count(), uint64_t{kThreads * kEach});
  std::vector<uint8_t> d = errors_.page();
  for (size_t i = 0; i < kErrorLogEntries; ++i) {
    EXPECT_EQ(le<uint64_t>(d, i * 64), kThreads * kEach - i) << i;
    const uint16_t sqid = le<uint16_t>(d, i * 64 + 8);
    EXPECT_TRUE(sqid >= 1 && sqid <= kThreads);
  }
  for (const auto& s : snapshots) {  // every snapshot strictly descending
    for (size_t i = 1; i < kErrorLogEntries; ++i) {
      const uint64_t prev = le<uint64_t>(s, (i - 1) * 64), cur = le<uint64_t>(s, i * 64);
      if (cur != 0) {
        EXPECT_EQ(cur + 1, prev);
      }
    }
  }
}

TEST_F(LogPagesTest, SmartLogFields) {
  health_.count_read(4096);         // 8 units
  health_.count_read(992 * 512);    // 1000 units in all: 1 thousand
  health_.count_write(1001 * 512);  // 1001 units: rounds up to 2
  health_.media_errors = 2;
  health_.unsafe_shutdowns = 1;
  errors_.record({});
  AdminReply r = run(log_sqe(0x02, 512));
  ASSERT_TRUE(r.status.ok());
  const std::vector<uint8_t>& d = r.data;
  ASSERT_EQ(d.size(), 512u);
  EXPECT_EQ(d[0], 0);                       // Critical Warning
  EXPECT_EQ(le<uint16_t>(d, 1), 300);       // Composite Temperature, K
  EXPECT_EQ(d[3], 100);                     // Available Spare
  EXPECT_EQ(d[4], 10);                      // Available Spare Threshold
  EXPECT_EQ(d[5], 0);                       // Percentage Used
  EXPECT_EQ(le<uint64_t>(d, 32), 1u);       // Data Units Read
  EXPECT_EQ(le<uint64_t>(d, 40), 0u);       //   (high half)
  EXPECT_EQ(le<uint64_t>(d, 48), 2u);       // Data Units Written
  EXPECT_EQ(le<uint64_t>(d, 64), 2u);       // Host Read Commands
  EXPECT_EQ(le<uint64_t>(d, 80), 1u);       // Host Write Commands
  EXPECT_EQ(le<uint64_t>(d, 112), 1u);      // Power Cycles
  EXPECT_EQ(le<uint64_t>(d, 128), 0u);      // Power On Hours (just started)
  EXPECT_EQ(le<uint64_t>(d, 144), 1u);      // Unsafe Shutdowns
  EXPECT_EQ(le<uint64_t>(d, 160), 2u);      // Media and Data Integrity Errors
  EXPECT_EQ(le<uint64_t>(d, 176), 1u);      // Number of Error Information Log Entries
  EXPECT_TRUE(run(log_sqe(0x02, 512, 0)).status.ok());  // NSID 0 also global
}

TEST_F(LogPagesTest, SmartLogTemperatureWarningFollowsThresholds) {
  // Over threshold below the composite temperature: Critical Warning bit 1.
  ASSERT_TRUE(features_.set(make_sqe(admin_opcode::kSetFeatures, 0, {{10, 0x04}, {11, 290}}), false)
                  .status.ok());
  EXPECT_EQ(run(log_sqe(0x02, 512)).data[0], 1 << 1);
}

TEST_F(LogPagesTest, SmartLogIsNotPerNamespace) {
  EXPECT_EQ(run(log_sqe(0x02, 512, 1)).status, kInvalidField);
}

TEST(HealthCounters, PowerOnHoursAndConcurrentCounting) {
  HealthCounters h;
  EXPECT_EQ(h.power_on_hours(h.start + std::chrono::minutes(5 * 60 + 59)), 5u);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        h.count_write(4096);
        h.count_read(512);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(h.host_write_commands.load(), 40000u);
  EXPECT_EQ(h.sectors_written.load(), 320000u);
  EXPECT_EQ(h.data_units_written(), 320u);
  EXPECT_EQ(h.host_read_commands.load(), 40000u);
  EXPECT_EQ(h.data_units_read(), 40u);
}

TEST_F(LogPagesTest, FirmwareSlot) {
  AdminReply r = run(log_sqe(0x03, 512));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.data[0], 0x01);  // AFI: slot 1 active
  EXPECT_EQ(std::string(r.data.begin() + 8, r.data.begin() + 16), "0.1     ");  // FRS1
  EXPECT_EQ(le<uint64_t>(r.data, 16), 0u);  // FRS2: no slot
}

TEST_F(LogPagesTest, ChangedNamespaceListIsEmpty) {
  AdminReply r = run(log_sqe(0x04, 4096));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.data, std::vector<uint8_t>(4096, 0));
}

TEST_F(LogPagesTest, EffectsLogForNvm) {
  AdminReply r = run(log_sqe(0x05, 4096, 0, 0, 0));
  ASSERT_TRUE(r.status.ok());
  const std::vector<uint8_t>& d = r.data;
  auto acs = [&](uint8_t op) { return le<uint32_t>(d, 4 * op); };
  auto iocs = [&](uint8_t op) { return le<uint32_t>(d, 1024 + 4 * op); };
  for (uint8_t op : {0x00, 0x01, 0x02, 0x04, 0x05, 0x06, 0x08, 0x09, 0x0a, 0x0c, 0x18, 0x7c}) {
    EXPECT_EQ(acs(op), 1u) << int{op};  // CSUPP only
  }
  for (uint8_t op : {0x03, 0x07, 0x0d, 0x10, 0x11, 0x80, 0x81}) EXPECT_EQ(acs(op), 0u) << int{op};
  EXPECT_EQ(iocs(0x00), 1u);      // Flush
  EXPECT_EQ(iocs(0x01), 3u);      // Write: CSUPP | LBCC
  EXPECT_EQ(iocs(0x02), 1u);      // Read
  EXPECT_EQ(iocs(0x05), 0u);      // Compare: off by default
  EXPECT_EQ(iocs(0x08), 3u);      // Write Zeroes
  EXPECT_EQ(iocs(0x09), 3u);      // Dataset Management
  EXPECT_EQ(iocs(0x0c), 0u);      // Verify: off
  EXPECT_EQ(iocs(0x7d), 0u);      // no Zone Append on CSI 0
  for (size_t op = 0; op < 256; ++op) EXPECT_EQ(iocs(op) & ~3u, 0u);  // never CSE/NCC/NIC
}

TEST_F(LogPagesTest, EffectsLogPerCommandSet) {
  EXPECT_EQ(run(log_sqe(0x05, 4096, 0, 0, 2)).status, kInvalidField);  // no ZNS yet
  EXPECT_EQ(run(log_sqe(0x05, 4096, 0, 0, 1)).status, kInvalidField);
  caps_.zoned_command_set = true;
  caps_.zoned_io_opcodes = {0x79, 0x7a, 0x7d};
  caps_.compare = true;
  caps_.keep_alive = false;
  AdminReply r = run(log_sqe(0x05, 4096, 0, 0, 2));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(le<uint32_t>(r.data, 1024 + 4 * 0x7d), 3u);  // Zone Append
  EXPECT_EQ(le<uint32_t>(r.data, 1024 + 4 * 0x79), 3u);  // Zone Management Send
  EXPECT_EQ(le<uint32_t>(r.data, 1024 + 4 * 0x7a), 1u);  // Zone Management Receive
  EXPECT_EQ(le<uint32_t>(r.data, 1024 + 4 * 0x02), 1u);
  EXPECT_EQ(le<uint32_t>(r.data, 1024 + 4 * 0x05), 1u);  // Compare now
  EXPECT_EQ(le<uint32_t>(r.data, 4 * 0x18), 0u);         // no Keep Alive
  EXPECT_EQ(le<uint32_t>(run(log_sqe(0x05, 4096, 0, 0, 0)).data, 1024 + 4 * 0x7d), 0u);
}

TEST_F(LogPagesTest, LengthAndOffset) {
  // NUMD smaller than the page: truncated.
  AdminReply r = run(log_sqe(0x05, 512, 0));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.data.size(), 512u);
  // Larger than the page (NUMDU used): the page only; the controller pads.
  r = run(log_sqe(0x02, 1u << 20));
  EXPECT_EQ(r.data.size(), 512u);
  // LPO: the I/O half of the effects log from offset 1024.
  r = run(log_sqe(0x05, 8, 0, 1024 + 4));
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.data.size(), 8u);
  EXPECT_EQ(le<uint32_t>(r.data, 0), 3u);  // IOCS[01h] Write
  EXPECT_EQ(le<uint32_t>(r.data, 4), 1u);  // IOCS[02h] Read
  // Exactly the end: nothing left, success.
  r = run(log_sqe(0x02, 4, 0xffffffff, 512));
  EXPECT_TRUE(r.status.ok());
  EXPECT_TRUE(r.data.empty());
  EXPECT_EQ(run(log_sqe(0x02, 4, 0xffffffff, 516)).status, kInvalidField);
  EXPECT_EQ(run(log_sqe(0x02, 4, 0xffffffff, 2)).status, kInvalidField);
  EXPECT_EQ(run(log_sqe(0x01, 4, 0xffffffff, uint64_t{1} << 32)).status, kInvalidField);
  EXPECT_EQ(run(log_sqe(0x01, 4, 0xffffffff, 0, 0, false, 0, /*ot=*/true)).status, kInvalidField);
}

TEST_F(LogPagesTest, RaeAndLspDoNotChangeThePage) {
  AdminReply r = run(log_sqe(0x02, 512, 0xffffffff, 0, 0, /*rae=*/true, /*lsp=*/0));
  EXPECT_TRUE(r.status.ok());
  EXPECT_EQ(r.data, run(log_sqe(0x02, 512)).data);
}

TEST_F(LogPagesTest, UnknownLogPage) {
  for (uint8_t lid : {0x00, 0x06, 0x07, 0x08, 0x0d, 0x70, 0x80, 0x81, 0xbf, 0xc0, 0xff}) {
    AdminReply r = run(log_sqe(lid, 512));
    EXPECT_EQ(r.status, Status::specific(0x09, true)) << int{lid};  // Invalid Log Page
    EXPECT_EQ(r.status.field(), 0x09 | (1u << 8) | (1u << 14));
    EXPECT_TRUE(r.data.empty());
  }
}

// ---- Zoned Namespace command set ----

class ZonedLogPagesTest : public LogPagesTest {
 protected:
  ZonedLogPagesTest()
      : plain_(testing::plain_device("log_zns_plain.img", 8 * (1 << 20))),
        zoned_({.device_bytes = 64 << 20, .zone_size_bytes = 4 << 20, .model = zoned::ZonedModel::kHostManaged},
               "log_zns.img") {
    config_.namespaces.push_back(testing::namespace_config(1, plain_.get()));
    config_.namespaces.push_back(testing::namespace_config(2, zoned_.engine.get()));
    caps_.zoned_command_set = true;
    caps_.zoned_io_opcodes.assign(std::begin(kZonedIoOpcodes), std::end(kZonedIoOpcodes));
  }
  AdminReply run_zoned(const Sqe& sqe) {
    LogPageSources sources{config_, caps_, health_, errors_, &features_};
    sources.changed_zones = [this](uint32_t nsid) { return nsid == 2 ? &list_ : nullptr; };
    return get_log_page(sqe, sources);
  }

  std::unique_ptr<zoned::ZonedDevice> plain_;
  zoned::testing::EngineFixture zoned_;
  ChangedZoneList list_;
};

// Commands Supported and Effects for CSI 02h (IOCS at 1024 + 4 * opcode):
// Zone Management Send 79h and Zone Append 7Dh CSUPP | LBCC, Zone Management
// Receive 7Ah CSUPP only (notes section 0 item 9, section 6.1).
TEST_F(ZonedLogPagesTest, EffectsForTheZonedCommandSet) {
  AdminReply r = run_zoned(log_sqe(0x05, 4096, 0, 0, 2));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(le<uint32_t>(r.data, 1024 + 4 * 0x79), 0x3u);
  EXPECT_EQ(le<uint32_t>(r.data, 1024 + 4 * 0x7a), 0x1u);
  EXPECT_EQ(le<uint32_t>(r.data, 1024 + 4 * 0x7d), 0x3u);
  EXPECT_EQ(le<uint32_t>(r.data, 1024 + 4 * 0x01), 0x3u);  // Write
  EXPECT_EQ(le<uint32_t>(r.data, 1024 + 4 * 0x02), 0x1u);  // Read
  // The NVM command set has no zone commands.
  AdminReply nvm = run_zoned(log_sqe(0x05, 4096, 0, 0, 0));
  EXPECT_EQ(le<uint32_t>(nvm.data, 1024 + 4 * 0x79), 0u);
  EXPECT_EQ(le<uint32_t>(nvm.data, 1024 + 4 * 0x7d), 0u);
}

TEST_F(ZonedLogPagesTest, ChangedZoneListClearsOnReadWithoutRae) {
  list_.add(0x2000);
  list_.add(0x3000);
  AdminReply kept = run_zoned(log_sqe(0xbf, 4096, 2, 0, 2, /*rae=*/true));
  ASSERT_TRUE(kept.status.ok());
  ASSERT_EQ(kept.data.size(), 4096u);
  EXPECT_EQ(le<uint16_t>(kept.data, 0), 2);
  EXPECT_EQ(le<uint64_t>(kept.data, 8), 0x2000u);
  EXPECT_EQ(le<uint64_t>(kept.data, 16), 0x3000u);
  EXPECT_EQ(list_.size(), 2u);
  AdminReply taken = run_zoned(log_sqe(0xbf, 4096, 2, 0, 2, /*rae=*/false));
  EXPECT_EQ(taken.data, kept.data);
  EXPECT_EQ(list_.size(), 0u);
  EXPECT_EQ(run_zoned(log_sqe(0xbf, 4096, 2, 0, 2)).data, std::vector<uint8_t>(4096, 0));
}

TEST_F(ZonedLogPagesTest, ChangedZoneListOffsetsAndLengths) {
  list_.add(0x2000);
  AdminReply tail = run_zoned(log_sqe(0xbf, 16, 2, 8, 2, true));  // ZID[0] and ZID[1]
  ASSERT_TRUE(tail.status.ok());
  EXPECT_EQ(tail.data.size(), 16u);
  EXPECT_EQ(le<uint64_t>(tail.data, 0), 0x2000u);
  // A failing read does not clear the list.
  EXPECT_EQ(run_zoned(log_sqe(0xbf, 4096, 2, 2, 2)).status, kInvalidField);     // LPO not dword aligned
  EXPECT_EQ(run_zoned(log_sqe(0xbf, 4096, 2, 4100, 2)).status, kInvalidField);  // beyond the page
  EXPECT_EQ(list_.size(), 1u);
}

TEST_F(ZonedLogPagesTest, ChangedZoneListRules) {
  EXPECT_EQ(run_zoned(log_sqe(0xbf, 4096, 2, 0, 0)).status, kInvalidField);  // CSI 0
  EXPECT_EQ(run_zoned(log_sqe(0xbf, 4096, 1, 0, 2)).status, kInvalidField);  // NVM namespace
  const Status invalid_ns = Status::generic(GenericStatus::kInvalidNamespaceOrFormat, true);
  EXPECT_EQ(run_zoned(log_sqe(0xbf, 4096, 5, 0, 2)).status, invalid_ns);
  EXPECT_EQ(run_zoned(log_sqe(0xbf, 4096, 0xffffffff, 0, 2)).status, invalid_ns);
  // No list behind the namespace: empty.
  LogPageSources none{config_, caps_, health_, errors_, &features_};
  AdminReply empty = get_log_page(log_sqe(0xbf, 4096, 2, 0, 2), none);
  ASSERT_TRUE(empty.status.ok());
  EXPECT_EQ(empty.data, std::vector<uint8_t>(4096, 0));
  // Without the zoned command set BFh is an unknown log page.
  caps_.zoned_command_set = false;
  EXPECT_EQ(run_zoned(log_sqe(0xbf, 4096, 2, 0, 2)).status,
            Status::specific(static_cast<uint8_t>(CommandSpecificStatus::kInvalidLogPage), true));
}

}  // namespace
}  // namespace zvmm::nvme

// Get/Set Features against NVMe Base Specification 2.0 sections 5.15, 5.27
// and the field layouts of 5.27.1 (notes section 2.3).
#include "devices/nvme/features.h"

#include <gtest/gtest.h>

#include <thread>

#include "devices/nvme/testing/admin_test_support.h"

namespace zvmm::nvme {
namespace {

using testing::make_sqe;

Sqe get_sqe(uint8_t fid, uint8_t sel = 0, uint32_t cdw11 = 0) {
  return make_sqe(admin_opcode::kGetFeatures, 0, {{10, fid | (uint32_t{sel} << 8)}, {11, cdw11}});
}
Sqe set_sqe(uint8_t fid, uint32_t cdw11, bool save = false) {
  return make_sqe(admin_opcode::kSetFeatures, 0, {{10, fid | (save ? 1u << 31 : 0u)}, {11, cdw11}});
}

const Status kInvalidField = Status::generic(GenericStatus::kInvalidField, true);

class FeaturesTest : public ::testing::Test {
 protected:
  FeaturesTest() : config_(make_config()), store_(config_, caps_) {}
  static ControllerConfig make_config() {
    ControllerConfig c = testing::controller_config();
    c.max_io_queues = 4;  // 5 MSI-X vectors
    return c;
  }
  uint32_t get_ok(uint8_t fid, uint8_t sel = 0, uint32_t cdw11 = 0) {
    AdminReply r = store_.get(get_sqe(fid, sel, cdw11));
    EXPECT_TRUE(r.status.ok()) << "FID " << int{fid};
    EXPECT_TRUE(r.data.empty());
    return r.dw0;
  }
  void set_ok(uint8_t fid, uint32_t cdw11) {
    EXPECT_TRUE(store_.set(set_sqe(fid, cdw11), false).status.ok()) << "FID " << int{fid};
  }

  ControllerConfig config_;
  AdminCapabilities caps_;
  FeatureStore store_;
};

// nvme-cli 2.3 tests/nvme_get_features_test.py asserts these succeed.
TEST_F(FeaturesTest, EveryFeatureNvmeCliGetsSucceeds) {
  for (uint8_t fid : {0x01, 0x02, 0x04, 0x05, 0x06, 0x07, 0x08, 0x0a, 0x0b, 0x0f, 0x19}) {
    for (uint8_t sel : {0, 1, 2, 3}) get_ok(fid, sel);
  }
  for (uint32_t iv = 0; iv < 5; ++iv) EXPECT_EQ(get_ok(0x09, 0, iv) & 0xffff, iv);
}

TEST_F(FeaturesTest, NumberOfQueuesIsCappedAndZeroBased) {
  EXPECT_EQ(get_ok(0x07), (3u << 16) | 3u);  // default: the maximum, 0's based
  // Linux asks for one pair per CPU: 8 pairs -> NSQR = NCQR = 7.
  AdminReply r = store_.set(set_sqe(0x07, (7u << 16) | 7u), false);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.dw0, (3u << 16) | 3u);  // NSQA 15:0, NCQA 31:16
  EXPECT_EQ(store_.allocated_io_submission_queues(), 4);
  EXPECT_EQ(store_.allocated_io_completion_queues(), 4);
  r = store_.set(set_sqe(0x07, (2u << 16) | 0u), false);  // 1 SQ, 3 CQs
  EXPECT_EQ(r.dw0, (2u << 16) | 0u);
  EXPECT_EQ(get_ok(0x07), (2u << 16) | 0u);
  EXPECT_EQ(get_ok(0x07, 1), (3u << 16) | 3u);  // default unchanged
  EXPECT_EQ(store_.allocated_io_submission_queues(), 1);
  EXPECT_EQ(store_.allocated_io_completion_queues(), 3);
}

TEST_F(FeaturesTest, NumberOfQueuesErrors) {
  EXPECT_EQ(store_.set(set_sqe(0x07, 0x0000ffff), false).status, kInvalidField);
  EXPECT_EQ(store_.set(set_sqe(0x07, 0xffff0000), false).status, kInvalidField);
  AdminReply late = store_.set(set_sqe(0x07, 0), /*io_queues_created=*/true);
  EXPECT_EQ(late.status, Status::generic(GenericStatus::kCommandSequenceError, true));
  EXPECT_EQ(late.status.field(), 0x0c | (1u << 14));
  EXPECT_EQ(store_.allocated_io_submission_queues(), 4);  // unchanged
}

TEST_F(FeaturesTest, SaveIsRefused) {
  AdminReply r = store_.set(set_sqe(0x06, 0, /*save=*/true), false);
  EXPECT_EQ(r.status, Status::specific(0x0d, true));  // Feature Identifier Not Saveable
  EXPECT_TRUE(store_.volatile_write_cache_enabled());
  // An unsupported FID is Invalid Field even with SV.
  EXPECT_EQ(store_.set(set_sqe(0x0c, 0, true), false).status, kInvalidField);
}

TEST_F(FeaturesTest, UnsupportedFeaturesAreInvalidField) {
  for (uint8_t fid : {0x00, 0x03, 0x0c, 0x0d, 0x0e, 0x10, 0x11, 0x16, 0x17, 0x7f, 0x80, 0xc0, 0xff}) {
    EXPECT_EQ(store_.get(get_sqe(fid)).status, kInvalidField) << int{fid};
    EXPECT_EQ(store_.set(set_sqe(fid, 0), false).status, kInvalidField) << int{fid};
    EXPECT_FALSE(store_.supported(fid));
  }
}

TEST_F(FeaturesTest, SelectField) {
  set_ok(0x08, 0x0a05);
  EXPECT_EQ(get_ok(0x08, 0), 0x0a05u);  // current
  EXPECT_EQ(get_ok(0x08, 1), 0u);       // default
  EXPECT_EQ(get_ok(0x08, 2), 0u);       // saved = default
  EXPECT_EQ(get_ok(0x08, 3), 1u << 2);  // changeable, not saveable, not NS specific
  for (uint8_t sel : {4, 5, 6, 7}) EXPECT_EQ(store_.get(get_sqe(0x08, sel)).status, kInvalidField);
}

TEST_F(FeaturesTest, TemperatureThreshold) {
  const uint32_t over = 0, under = 1u << 20;
  EXPECT_EQ(get_ok(0x04, 0, over), 0x157u);
  EXPECT_EQ(get_ok(0x04, 0, under), 0u);
  set_ok(0x04, over | 0x150);
  set_ok(0x04, under | 0x110);
  EXPECT_EQ(get_ok(0x04, 0, over), 0x150u);
  EXPECT_EQ(get_ok(0x04, 0, under), 0x110u);
  EXPECT_EQ(store_.over_temperature_threshold(), 0x150);
  EXPECT_EQ(store_.under_temperature_threshold(), 0x110);
  EXPECT_EQ(get_ok(0x04, 1, over), 0x157u);
  set_ok(0x04, (0xfu << 16) | 0x140);  // TMPSEL Fh: every sensor = the composite
  EXPECT_EQ(get_ok(0x04, 0, over), 0x140u);
  EXPECT_EQ(store_.get(get_sqe(0x04, 0, 0xfu << 16)).status, kInvalidField);
  EXPECT_EQ(store_.set(set_sqe(0x04, (1u << 16) | 0x140), false).status, kInvalidField);  // sensor 1
  EXPECT_EQ(store_.set(set_sqe(0x04, (2u << 20) | 0x140), false).status, kInvalidField);  // THSEL 10b
  EXPECT_EQ(store_.get(get_sqe(0x04, 0, 3u << 20)).status, kInvalidField);
}

TEST_F(FeaturesTest, PowerManagementHasOnePowerState) {
  set_ok(0x02, 0x40);  // WH 2, PS 0
  EXPECT_EQ(get_ok(0x02), 0x40u);
  EXPECT_EQ(store_.set(set_sqe(0x02, 1), false).status, kInvalidField);
  EXPECT_EQ(store_.power_state(), 0);
}

TEST_F(FeaturesTest, ErrorRecovery) {
  set_ok(0x05, 30);
  EXPECT_EQ(get_ok(0x05), 30u);
  EXPECT_EQ(store_.set(set_sqe(0x05, 1u << 16), false).status, kInvalidField);  // DULBE
}

TEST_F(FeaturesTest, ArbitrationAndWriteAtomicity) {
  set_ok(0x01, 0x03020107);
  EXPECT_EQ(get_ok(0x01), 0x03020107u);
  set_ok(0x01, 0xfffffff8);  // reserved bits 7:3 dropped
  EXPECT_EQ(get_ok(0x01), 0xffffff00u);
  set_ok(0x0a, 1);
  EXPECT_EQ(get_ok(0x0a), 1u);
}

TEST_F(FeaturesTest, VolatileWriteCache) {
  EXPECT_TRUE(store_.volatile_write_cache_enabled());
  EXPECT_EQ(get_ok(0x06), 1u);
  set_ok(0x06, 0);
  EXPECT_FALSE(store_.volatile_write_cache_enabled());
  EXPECT_EQ(get_ok(0x06), 0u);
  EXPECT_EQ(get_ok(0x06, 1), 1u);
  set_ok(0x06, 1);
  EXPECT_TRUE(store_.volatile_write_cache_enabled());
}

TEST_F(FeaturesTest, NoVolatileWriteCacheNoFeature) {
  AdminCapabilities caps;
  caps.volatile_write_cache = false;
  FeatureStore store(config_, caps);
  EXPECT_FALSE(store.volatile_write_cache_enabled());
  EXPECT_EQ(store.get(get_sqe(0x06)).status, kInvalidField);
  EXPECT_EQ(store.set(set_sqe(0x06, 1), false).status, kInvalidField);
  EXPECT_FALSE(store.volatile_write_cache_enabled());
}

TEST_F(FeaturesTest, InterruptVectorConfiguration) {
  EXPECT_EQ(get_ok(0x09, 0, 0), 0u | (1u << 16));  // admin vector: never coalesced
  EXPECT_EQ(get_ok(0x09, 0, 1), 1u);
  set_ok(0x09, 2 | (1u << 16));
  EXPECT_EQ(get_ok(0x09, 0, 2), 2u | (1u << 16));
  EXPECT_TRUE(store_.coalescing_disabled(2));
  EXPECT_FALSE(store_.coalescing_disabled(1));
  set_ok(0x09, 0);  // CD 0 on the admin vector: still reads 1
  EXPECT_EQ(get_ok(0x09, 0, 0), 1u << 16);
  EXPECT_EQ(store_.get(get_sqe(0x09, 0, 5)).status, kInvalidField);  // 5 vectors: 0..4
  EXPECT_EQ(store_.set(set_sqe(0x09, 5), false).status, kInvalidField);
}

TEST_F(FeaturesTest, InterruptCoalescing) {
  set_ok(0x08, 0x1203);
  EXPECT_EQ(store_.coalescing_threshold(), 0x03);
  EXPECT_EQ(store_.coalescing_time(), 0x12);
}

TEST_F(FeaturesTest, AsyncEventConfigKeepsSupportedBits) {
  // Linux: OAES & (bit 8 | 9 | 11 | 31).
  set_ok(0x0b, (1u << 8) | (1u << 9) | (1u << 11) | (1u << 31) | 0x3f);
  EXPECT_EQ(store_.async_event_config(), (1u << 8) | 0x3f);
  EXPECT_EQ(get_ok(0x0b), (1u << 8) | 0x3fu);
  AdminCapabilities caps;
  caps.zone_descriptor_changed_notices = true;
  FeatureStore zoned(config_, caps);
  EXPECT_TRUE(zoned.set(set_sqe(0x0b, (1u << 27) | (1u << 8)), false).status.ok());
  EXPECT_EQ(zoned.async_event_config(), (1u << 27) | (1u << 8));
}

TEST_F(FeaturesTest, KeepAliveTimer) {
  set_ok(0x0f, 150);
  EXPECT_EQ(store_.keep_alive_ms(), 200u);  // KAS: 100 ms granularity
  EXPECT_EQ(get_ok(0x0f), 200u);
  set_ok(0x0f, 0);
  EXPECT_EQ(store_.keep_alive_ms(), 0u);
  set_ok(0x0f, 0xffffffff);
  EXPECT_EQ(store_.keep_alive_ms() % 100, 0u);
  AdminCapabilities caps;
  caps.keep_alive = false;
  FeatureStore store(config_, caps);
  EXPECT_EQ(store.set(set_sqe(0x0f, 1000), false).status, kInvalidField);
  EXPECT_EQ(store.get(get_sqe(0x0f)).status, kInvalidField);
}

TEST_F(FeaturesTest, IoCommandSetProfile) {
  set_ok(0x19, 0);
  EXPECT_EQ(get_ok(0x19), 0u);
  EXPECT_EQ(store_.set(set_sqe(0x19, 1), false).status, Status::specific(0x2b, true));
  EXPECT_EQ(store_.io_command_set_profile(), 0);
}

TEST_F(FeaturesTest, ResetRestoresDefaults) {
  set_ok(0x06, 0);
  set_ok(0x0b, 1u << 8);
  set_ok(0x0f, 1000);
  set_ok(0x07, 0);
  set_ok(0x09, 3 | (1u << 16));
  store_.reset();
  EXPECT_TRUE(store_.volatile_write_cache_enabled());
  EXPECT_EQ(store_.async_event_config(), 0u);
  EXPECT_EQ(store_.keep_alive_ms(), 0u);
  EXPECT_EQ(store_.allocated_io_submission_queues(), 4);
  EXPECT_FALSE(store_.coalescing_disabled(3));
}

TEST_F(FeaturesTest, IoWorkersReadTheWriteCacheWhileTheAdminPathSetsIt) {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> reads{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        (void)store_.volatile_write_cache_enabled();
        (void)store_.async_event_config();
        reads.fetch_add(1);
      }
    });
  }
  for (int i = 0; i < 2000; ++i) set_ok(0x06, i & 1);
  // On a loaded machine the 2000 sets can end before any reader ran.
  while (reads.load() == 0) std::this_thread::yield();
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_TRUE(store_.volatile_write_cache_enabled());  // the last set wrote 1999 & 1
  EXPECT_GT(reads.load(), 0u);
}

}  // namespace
}  // namespace zvmm::nvme

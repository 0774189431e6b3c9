#include "vmm/bus.h"

#include <gtest/gtest.h>

#include <vector>

namespace zvmm {
namespace {

class RecordingDevice : public BusDevice {
 public:
  void read(uint64_t offset, std::span<uint8_t> data) override {
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(offset + i);
  }
  void write(uint64_t offset, std::span<const uint8_t> data) override {
    writes.push_back({offset, std::vector<uint8_t>(data.begin(), data.end())});
  }
  std::vector<std::pair<uint64_t, std::vector<uint8_t>>> writes;
};

TEST(BusTest, DispatchesWithOffsetInsideTheRange) {
  Bus bus;
  auto dev = std::make_shared<RecordingDevice>();
  bus.insert(dev, 0x3f8, 8);
  uint8_t b[2];
  ASSERT_TRUE(bus.read(0x3fa, b));
  EXPECT_EQ(b[0], 2);
  EXPECT_EQ(b[1], 3);
  const uint8_t w[1] = {0x41};
  ASSERT_TRUE(bus.write(0x3f8, w));
  ASSERT_EQ(dev->writes.size(), 1u);
  EXPECT_EQ(dev->writes[0].first, 0u);
}

TEST(BusTest, UnclaimedReadsAllOnesAndAccessCrossingTheEndIsUnclaimed) {
  Bus bus;
  bus.insert(std::make_shared<RecordingDevice>(), 0x1000, 0x10);
  uint8_t b[4] = {0, 0, 0, 0};
  EXPECT_FALSE(bus.read(0x2000, b));
  EXPECT_EQ(b[0], 0xff);
  EXPECT_FALSE(bus.read(0x100e, b));  // 4 bytes from 0x100e cross 0x1010
  EXPECT_FALSE(bus.read(0xfff, b));
}

TEST(BusTest, RefusesOverlapsAndEmptyRanges) {
  Bus bus;
  bus.insert(std::make_shared<RecordingDevice>(), 0x1000, 0x100);
  EXPECT_THROW(bus.insert(std::make_shared<RecordingDevice>(), 0x10ff, 1), BusError);
  EXPECT_THROW(bus.insert(std::make_shared<RecordingDevice>(), 0xf00, 0x101), BusError);
  EXPECT_THROW(bus.insert(std::make_shared<RecordingDevice>(), 0x3000, 0), BusError);
  EXPECT_THROW(bus.insert(std::make_shared<RecordingDevice>(), ~0ull, 2), BusError);
  bus.insert(std::make_shared<RecordingDevice>(), 0x1100, 1);  // adjacent is fine
}

TEST(BusTest, RemoveFreesTheRange) {
  Bus bus;
  bus.insert(std::make_shared<RecordingDevice>(), 0x1000, 0x100);
  EXPECT_TRUE(bus.remove(0x1000));
  EXPECT_FALSE(bus.remove(0x1000));
  uint8_t b[1];
  EXPECT_FALSE(bus.read(0x1000, b));
  bus.insert(std::make_shared<RecordingDevice>(), 0x1080, 0x100);
}

}  // namespace
}  // namespace zvmm

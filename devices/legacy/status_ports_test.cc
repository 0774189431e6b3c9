#include <gtest/gtest.h>

#include <optional>

#include "devices/legacy/boot_marker_port.h"
#include "devices/legacy/exit_status_port.h"
#include "vmm/bus.h"
#include "vmm/layout.h"

namespace zvmm {
namespace {

TEST(ExitStatusPortTest, GuestByteBecomesTheExitStatus) {
  std::optional<uint8_t> status;
  Bus pio;
  pio.insert(std::make_shared<ExitStatusPort>([&](uint8_t s) { status = s; }),
             layout::kExitStatusPort, 1);
  const uint8_t b[] = {42};
  ASSERT_TRUE(pio.write(layout::kExitStatusPort, b));
  EXPECT_EQ(status, 42);
}

TEST(ExitStatusPortTest, ZeroIsAValidStatusAndReadsAreAllOnes) {
  std::optional<uint8_t> status;
  ExitStatusPort port([&](uint8_t s) { status = s; });
  uint8_t r = 0;
  port.read(0, std::span<uint8_t>(&r, 1));
  EXPECT_EQ(r, 0xff);
  EXPECT_FALSE(status);
  const uint8_t zero[] = {0};
  port.write(0, zero);
  EXPECT_EQ(status, 0);
}

TEST(BootMarkerPortTest, OnlyTheMagicValueCountsAndOnlyOnce) {
  int markers = 0;
  BootMarkerPort port([&] { ++markers; });
  const uint8_t wrong[] = {0x11};
  port.write(0, wrong);
  EXPECT_EQ(markers, 0);
  const uint8_t magic[] = {layout::kBootMarkerValue};
  port.write(0, magic);
  port.write(0, magic);
  EXPECT_EQ(markers, 1);
}

}  // namespace
}  // namespace zvmm

#include <gtest/gtest.h>

#include <optional>

#include "devices/legacy/acpi_sleep_port.h"
#include "devices/legacy/boot_marker_port.h"
#include "devices/legacy/exit_status_port.h"
#include "devices/legacy/status_page.h"
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

TEST(StatusPageTest, ByteZeroIsTheExitStatusAndByteOneTheBootMarker) {
  std::optional<uint8_t> status;
  int markers = 0;
  Bus mmio;
  mmio.insert(std::make_shared<StatusPage>([&](uint8_t s) { status = s; }, [&] { ++markers; }),
              layout::kStatusMmioStart, layout::kStatusMmioSize);
  const uint8_t wrong_marker[] = {0x11};
  ASSERT_TRUE(mmio.write(layout::kStatusMmioStart + 1, wrong_marker));
  EXPECT_EQ(markers, 0);
  const uint8_t marker[] = {layout::kBootMarkerValue};
  ASSERT_TRUE(mmio.write(layout::kStatusMmioStart + 1, marker));
  EXPECT_EQ(markers, 1);
  EXPECT_FALSE(status);
  const uint8_t three[] = {3};
  ASSERT_TRUE(mmio.write(layout::kStatusMmioStart, three));
  EXPECT_EQ(status, 3);
  const uint8_t wide[4] = {9, 9, 9, 9};
  mmio.write(layout::kStatusMmioStart, wide);
  EXPECT_EQ(status, 3) << "only byte writes count";
}

TEST(StatusPageTest, ByteTwoAcknowledgesAnExitStatusWrite) {
  Bus mmio;
  mmio.insert(std::make_shared<StatusPage>([](uint8_t) {}, [] {}), layout::kStatusMmioStart,
              layout::kStatusMmioSize);
  auto read_byte = [&](uint64_t offset) {
    uint8_t b = 0xee;
    EXPECT_TRUE(mmio.read(layout::kStatusMmioStart + offset, std::span<uint8_t>(&b, 1)));
    return b;
  };
  EXPECT_EQ(read_byte(StatusPage::kExitAckOffset), 0) << "no status yet";
  const uint8_t marker[] = {layout::kBootMarkerValue};
  ASSERT_TRUE(mmio.write(layout::kStatusMmioStart + StatusPage::kBootMarkerOffset, marker));
  EXPECT_EQ(read_byte(StatusPage::kExitAckOffset), 0) << "the boot marker is no exit status";
  const uint8_t zero[] = {0};
  ASSERT_TRUE(mmio.write(layout::kStatusMmioStart + StatusPage::kExitStatusOffset, zero));
  EXPECT_EQ(read_byte(StatusPage::kExitAckOffset), StatusPage::kExitAckValue);
  EXPECT_EQ(read_byte(StatusPage::kExitStatusOffset), 0);
  EXPECT_EQ(read_byte(3), 0);
  uint8_t wide[4] = {1, 1, 1, 1};
  mmio.read(layout::kStatusMmioStart + StatusPage::kExitAckOffset, wide);
  EXPECT_EQ(wide[0], 0) << "only byte reads see the acknowledgement";
}

TEST(AcpiSleepPortTest, S5WithSleepEnablePowersOff) {
  int power_offs = 0;
  AcpiSleepPort port([&] { ++power_offs; });
  const uint8_t s5_without_enable[] = {5 << 2};
  port.write(0, s5_without_enable);
  const uint8_t s3_enable[] = {(3 << 2) | 0x20};
  port.write(0, s3_enable);
  const uint8_t wake_status_clear[] = {0x80};
  port.write(0, wake_status_clear);
  EXPECT_EQ(power_offs, 0);
  const uint8_t s5_enable[] = {(5 << 2) | 0x20};  // what Linux writes
  port.write(0, s5_enable);
  EXPECT_EQ(power_offs, 1);
  uint8_t status = 0xff;
  port.read(0, std::span<uint8_t>(&status, 1));
  EXPECT_EQ(status, 0);
}

}  // namespace
}  // namespace zvmm

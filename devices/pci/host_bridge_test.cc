#include "devices/pci/host_bridge.h"

#include <gtest/gtest.h>

namespace zvmm {
namespace {

TEST(PciHostBridgeTest, IdentifiesAsHostBridgeWithoutBars) {
  PciHostBridge hb;
  EXPECT_EQ(hb.config().read16(pci_reg::kVendorId), 0x1b36);
  EXPECT_EQ(hb.config().read16(pci_reg::kDeviceId), 0x0008);
  EXPECT_EQ(hb.config().read16(0x0a), 0x0600);  // what Linux's pci_sanity_check reads
  EXPECT_EQ(hb.config().read8(pci_reg::kHeaderType), 0);
  for (uint8_t i = 0; i < PciConfigSpace::kBarCount; ++i) EXPECT_FALSE(hb.config().bar(i));
  const uint8_t ones[4] = {0xff, 0xff, 0xff, 0xff};
  hb.write_config(0x10, ones);
  EXPECT_EQ(hb.config().read32(0x10), 0u);
}

}  // namespace
}  // namespace zvmm

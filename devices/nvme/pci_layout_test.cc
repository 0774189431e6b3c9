#include "devices/nvme/pci_layout.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <stdexcept>

#include "devices/nvme/controller_regs.h"
#include "devices/pci/msix.h"

namespace zvmm::nvme {
namespace {

TEST(NvmePciLayout, SmallController) {
  // 1 I/O queue pair, 2 vectors (admin + 1): doorbells 1000h..100Fh.
  const Bar0Layout l = bar0_layout(1, 2);
  EXPECT_EQ(l.doorbells_end, 0x1010u);
  EXPECT_EQ(l.msix_table_offset, 0x2000u);
  EXPECT_EQ(l.msix_pba_offset, 0x3000u);
  EXPECT_EQ(l.size, 0x4000u);
  const MsixLayout m = l.msix();
  EXPECT_EQ(m.table_bar, 0);
  EXPECT_EQ(m.pba_bar, 0);
  EXPECT_EQ(m.table_offset, 0x2000u);
  EXPECT_EQ(m.pba_offset, 0x3000u);
}

TEST(NvmePciLayout, QemuSizedController) {
  // 64 I/O queue pairs, 65 vectors (QEMU's defaults).
  const Bar0Layout l = bar0_layout(64, 65);
  EXPECT_EQ(l.doorbells_end, 0x1000u + 65 * 8);
  EXPECT_EQ(l.msix_table_offset, 0x2000u);
  EXPECT_EQ(l.msix_pba_offset, 0x3000u);  // table is 65 * 16 = 1040 bytes
  EXPECT_EQ(l.size, 0x4000u);
}

TEST(NvmePciLayout, LargestController) {
  const Bar0Layout l = bar0_layout(65535, 2048);
  EXPECT_EQ(l.doorbells_end, 0x1000u + 65536u * 8);
  EXPECT_EQ(l.msix_table_offset, 0x81000u);
  EXPECT_EQ(l.msix_pba_offset, 0x81000u + 2048u * 16);
  EXPECT_EQ(l.size, 0x100000u);
}

TEST(NvmePciLayout, InvariantsForManyShapes) {
  for (uint32_t pairs : {1u, 2u, 3u, 7u, 8u, 63u, 64u, 255u, 256u, 511u, 512u, 1000u, 4095u,
                         65535u}) {
    for (uint32_t vectors : {1u, 2u, 9u, 64u, 65u, 256u, 257u, 1024u, 2048u}) {
      SCOPED_TRACE(testing::Message() << pairs << " pairs, " << vectors << " vectors");
      const Bar0Layout l = bar0_layout(static_cast<uint16_t>(pairs), static_cast<uint16_t>(vectors));
      EXPECT_TRUE(std::has_single_bit(l.size));
      EXPECT_GE(l.size, 0x2000u);  // Linux maps 1000h + 4096 bytes at probe
      EXPECT_EQ(l.doorbells_end, doorbells_end(static_cast<uint16_t>(pairs)));
      EXPECT_EQ(l.doorbells_end, cq_head_doorbell(static_cast<uint16_t>(pairs)) + 4);
      EXPECT_EQ(l.msix_table_offset % 4096, 0u);
      EXPECT_EQ(l.msix_pba_offset % 4096, 0u);
      EXPECT_GE(l.msix_table_offset, l.doorbells_end);
      EXPECT_GE(l.msix_pba_offset, l.msix_table_offset + Msix::table_bytes(vectors));
      EXPECT_LE(l.msix_pba_offset + Msix::pba_bytes(vectors), l.size);
      // No doorbell decodes inside the MSI-X structures.
      EXPECT_FALSE(decode_doorbell(l.msix_table_offset, 4, static_cast<uint16_t>(pairs)));
      // The smallest power of two that fits.
      EXPECT_LT(l.size / 2, std::max<uint64_t>(0x2000, l.msix_pba_offset + Msix::pba_bytes(vectors)));
    }
  }
}

TEST(NvmePciLayout, RejectsBadShapes) {
  EXPECT_THROW(bar0_layout(0, 1), std::invalid_argument);
  EXPECT_THROW(bar0_layout(1, 0), std::invalid_argument);
  EXPECT_THROW(bar0_layout(1, 2049), std::invalid_argument);
  EXPECT_NO_THROW(bar0_layout(1, 1));
}

}  // namespace
}  // namespace zvmm::nvme

#include "vmm/aml.h"

#include <gtest/gtest.h>

namespace zvmm::aml {
namespace {

TEST(AmlTest, PkgLengthCountsItself) {
  EXPECT_EQ(pkg_length(0), (Bytes{0x01}));
  EXPECT_EQ(pkg_length(62), (Bytes{0x3f}));
  // 63 bytes of body need two length bytes: total 65 = 0x41.
  EXPECT_EQ(pkg_length(63), (Bytes{0x41, 0x04}));
  const Bytes big = pkg_length(5000);
  const size_t total = 5000 + big.size();
  EXPECT_EQ(size_t{big[0]} >> 6, big.size() - 1);
  EXPECT_EQ((big[0] & 0x0f) | (size_t{big[1]} << 4) | (big.size() > 2 ? size_t{big[2]} << 12 : 0), total);
}

TEST(AmlTest, EisaIdCompression) {
  // iasl: EisaId("PNP0501") = 0x0105D041, stored little-endian.
  EXPECT_EQ(eisa_id("PNP0501"), (Bytes{0x0c, 0x41, 0xd0, 0x05, 0x01}));
  EXPECT_EQ(eisa_id("PNP0A03"), (Bytes{0x0c, 0x41, 0xd0, 0x0a, 0x03}));
  EXPECT_THROW(eisa_id("PNP"), std::invalid_argument);
}

TEST(AmlTest, Integers) {
  EXPECT_EQ(integer(0), (Bytes{0x00}));
  EXPECT_EQ(integer(1), (Bytes{0x01}));
  EXPECT_EQ(integer(0x42), (Bytes{0x0a, 0x42}));
  EXPECT_EQ(integer(0x1234), (Bytes{0x0b, 0x34, 0x12}));
  EXPECT_EQ(integer(0x12345678), (Bytes{0x0c, 0x78, 0x56, 0x34, 0x12}));
}

TEST(AmlTest, Package) {
  EXPECT_EQ(package({integer(5), integer(0)}), (Bytes{0x12, 0x05, 0x02, 0x0a, 0x05, 0x00}));
}

TEST(AmlTest, NameAndDevice) {
  EXPECT_EQ(name("_UID", integer(0)), (Bytes{0x08, '_', 'U', 'I', 'D', 0x00}));
  // Device(DEV0) { Name(_UID, 0) }: 5B 82 PkgLength(4 + 6) "DEV0" ...
  const Bytes d = device("DEV0", name("_UID", integer(0)));
  EXPECT_EQ(d, (Bytes{0x5b, 0x82, 0x0b, 'D', 'E', 'V', '0', 0x08, '_', 'U', 'I', 'D', 0x00}));
  EXPECT_THROW(name_seg("TOOLONG"), std::invalid_argument);
}

TEST(AmlTest, ResourceTemplateMatchesIasl) {
  // ResourceTemplate() { IO(Decode16, 0x3F8, 0x3F8, 0x01, 0x08) IRQNoFlags() {4} }
  const Bytes rt = resource_template(cat({io_port(0x3f8, 8), irq(4)}));
  EXPECT_EQ(rt, (Bytes{0x11, 0x10, 0x0a, 0x0d,                          // Buffer, PkgLength, size 13
                       0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08,  // IO
                       0x22, 0x10, 0x00,                                // IRQ 4
                       0x79, 0x00}));                                   // end tag
}

TEST(AmlTest, AddressSpaceDescriptors) {
  const Bytes bus = word_bus_number(0, 0xff);
  EXPECT_EQ(bus, (Bytes{0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00, 0, 0, 0x00, 0x00, 0xff, 0x00, 0, 0, 0x00, 0x01}));
  const Bytes mem = dword_memory(0xc0000000, 0xdfffffff);
  ASSERT_EQ(mem.size(), 26u);
  EXPECT_EQ(mem[0], 0x87);
  EXPECT_EQ(mem[1], 23);
  EXPECT_EQ(mem[3], 0x00) << "memory space";
  EXPECT_EQ(mem[21], 0x00);  // length 0x20000000, little-endian at 22
  EXPECT_EQ(mem[25], 0x20);
  const Bytes mem64 = qword_memory(0x8000000000, 0x8fffffffff);
  ASSERT_EQ(mem64.size(), 46u);
  EXPECT_EQ(mem64[0], 0x8a);
  EXPECT_EQ(mem64[1], 43);
}

}  // namespace
}  // namespace zvmm::aml

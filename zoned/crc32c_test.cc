#include "zoned/crc32c.h"

#include <gtest/gtest.h>

#include <string_view>

namespace zvmm::zoned {
namespace {

std::span<const uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(Crc32c, KnownVectors) {
  EXPECT_EQ(crc32c(bytes("123456789")), 0xE3069283u);
  EXPECT_EQ(crc32c(bytes("")), 0u);
  std::vector<uint8_t> zeros(32, 0);
  EXPECT_EQ(crc32c(zeros), 0x8A9136AAu);  // RFC 3720 B.4
}

TEST(Crc32c, Incremental) {
  EXPECT_EQ(crc32c(bytes("56789"), crc32c(bytes("1234"))), crc32c(bytes("123456789")));
}

}  // namespace
}  // namespace zvmm::zoned

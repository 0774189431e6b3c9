#include "base/size.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace zvmm {
namespace {

std::string error_of(std::string_view text) {
  try {
    parse_size("--opt", text);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(ParseSize, Units) {
  EXPECT_EQ(parse_size("x", "512M"), 512ull << 20);
  EXPECT_EQ(parse_size("x", "512MiB"), 512ull << 20);
  EXPECT_EQ(parse_size("x", "512mib"), 512ull << 20);
  EXPECT_EQ(parse_size("x", "2G"), 2ull << 30);
  EXPECT_EQ(parse_size("x", "2g"), 2ull << 30);
  EXPECT_EQ(parse_size("x", "65536K"), 64ull << 20);
  EXPECT_EQ(parse_size("x", "64k"), 64ull << 10);
  EXPECT_EQ(parse_size("x", "1T"), 1ull << 40);
  EXPECT_EQ(parse_size("x", "1TiB"), 1ull << 40);
  EXPECT_EQ(parse_size("x", "0"), 0u);
  EXPECT_EQ(parse_size("x", "0M"), 0u);
}

TEST(ParseSize, ABareNumberIsBytes) {
  EXPECT_EQ(parse_size("x", "512"), 512u);
  EXPECT_EQ(parse_size("x", "4096"), 4096u);
  EXPECT_EQ(parse_size("x", "18446744073709551615"), UINT64_MAX);
  EXPECT_TRUE(is_bare_number("256"));
  EXPECT_FALSE(is_bare_number("256M"));
  EXPECT_FALSE(is_bare_number(""));
}

TEST(ParseSize, ErrorsNameTheOptionAndTheRule) {
  const std::string syntax =
      "is not a size (a number with an optional unit K, M, G or T, powers of 1024; a bare number is bytes)";
  for (const char* bad : {"", "M", "lots", "12Q", "-1G", "+1G", " 1G", "1G ", "1.5G", "1GB", "1Gi", "1KB", "0x10"}) {
    EXPECT_EQ(error_of(bad), "--opt: '" + std::string(bad) + "' " + syntax) << bad;
  }
  EXPECT_EQ(error_of("99999999999999T"), "--opt: '99999999999999T' is too large");
  EXPECT_EQ(error_of("18446744073709551616"), "--opt: '18446744073709551616' is too large");
  EXPECT_EQ(error_of("16777216T"), "--opt: '16777216T' is too large");  // 2^64
  EXPECT_EQ(parse_size("x", "16777215T"), 16777215ull << 40);
}

}  // namespace
}  // namespace zvmm

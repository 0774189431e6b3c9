// Real zoned devices are tested later through an emulated host; here: the
// refusal of what is not a zoned block device.
#include "block/zbd_backend.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

namespace zvmm::block {
namespace {

std::string refusal(const std::string& path) {
  try {
    ZbdBackend::open(path);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(ZbdBackend, RefusesRegularFileWithHostAwareHint) {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string path = std::string(dir ? dir : "/tmp") + "/regular.img";
  std::ofstream(path) << "not a disk";
  std::string err = refusal(path);
  EXPECT_NE(err.find(path), std::string::npos) << err;
  EXPECT_NE(err.find("not a zoned block device"), std::string::npos) << err;
  EXPECT_NE(err.find("6.12"), std::string::npos) << err;
}

TEST(ZbdBackend, RefusesNonZonedDevice) {
  std::string err = refusal("/dev/null");
  EXPECT_NE(err.find("not a zoned block device"), std::string::npos) << err;
}

TEST(ZbdBackend, MissingPathNamesIt) {
  std::string err = refusal("/nonexistent/zoned0");
  EXPECT_NE(err.find("/nonexistent/zoned0"), std::string::npos) << err;
}

}  // namespace
}  // namespace zvmm::block

#include "vmm/vm_stop.h"

#include <gtest/gtest.h>

#include <thread>

namespace zvmm {
namespace {

TEST(VmStopTest, FirstRequestWins) {
  VmStop stop;
  EXPECT_FALSE(stop.requested());
  EXPECT_TRUE(stop.request({3, "first"}));
  EXPECT_FALSE(stop.request({4, "second"}));
  EXPECT_TRUE(stop.requested());
  EXPECT_EQ(stop.reason()->exit_code, 3);
  EXPECT_EQ(stop.wait().message, "first");
}

TEST(VmStopTest, WaitBlocksUntilARequest) {
  VmStop stop;
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    stop.request({7, "from another thread"});
  });
  EXPECT_EQ(stop.wait().exit_code, 7);
  t.join();
}

}  // namespace
}  // namespace zvmm

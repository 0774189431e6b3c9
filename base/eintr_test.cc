#include "base/eintr.h"

#include <gtest/gtest.h>

namespace zvmm {
namespace {

TEST(RetryOnEintr, RetriesOnlyInterruptedCalls) {
  int calls = 0;
  const int r = retry_on_eintr([&] {
    if (++calls < 3) {
      errno = EINTR;
      return -1;
    }
    return 7;
  });
  EXPECT_EQ(r, 7);
  EXPECT_EQ(calls, 3);
}

TEST(RetryOnEintr, ReturnsOtherErrorsWithErrno) {
  int calls = 0;
  const long r = retry_on_eintr([&] {
    ++calls;
    errno = EBADF;
    return -1L;
  });
  EXPECT_EQ(r, -1);
  EXPECT_EQ(errno, EBADF);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace zvmm

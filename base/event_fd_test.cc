#include "base/event_fd.h"

#include <gtest/gtest.h>

namespace zvmm {
namespace {

TEST(EventFdTest, SignalsAccumulateAndConsumeClears) {
  EventFd efd;
  EXPECT_FALSE(efd.consume());
  efd.signal();
  efd.signal(2);
  EXPECT_EQ(efd.consume(), 3u);
  EXPECT_FALSE(efd.consume());
}

TEST(EventFdTest, DuplicateIsTheSameEventfd) {
  std::optional<EventFd> a(std::in_place);
  const EventFd b = EventFd::duplicate(*a);
  EXPECT_NE(a->fd(), b.fd());
  b.signal(2);
  EXPECT_EQ(a->consume(), 2u);
  a->signal(3);
  a.reset();  // the duplicate outlives the original
  EXPECT_EQ(b.consume(), 3u);
}

TEST(UniqueFdTest, MovesOwnership) {
  EventFd efd;
  UniqueFd a(dup(efd.fd()));
  ASSERT_TRUE(a.valid());
  UniqueFd b(std::move(a));
  EXPECT_FALSE(a.valid());
  EXPECT_TRUE(b.valid());
  b.reset();
  EXPECT_FALSE(b.valid());
}

}  // namespace
}  // namespace zvmm

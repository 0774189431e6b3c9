#include "base/key_values.h"

#include <gtest/gtest.h>

namespace zvmm {
namespace {

TEST(SplitKeyValues, KeysValuesAndBareKeys) {
  const auto items = split_key_values("virtio-blk,file=a=b.img,size=,readonly");
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items[0].key, "virtio-blk");
  EXPECT_FALSE(items[0].value);
  EXPECT_EQ(items[1].key, "file");
  EXPECT_EQ(items[1].value, "a=b.img");  // only the first '=' splits
  EXPECT_EQ(items[2].key, "size");
  EXPECT_EQ(items[2].value, "");
  EXPECT_EQ(items[3].key, "readonly");
  EXPECT_FALSE(items[3].value);
}

TEST(SplitKeyValues, EmptyItemsAreKept) {
  const auto items = split_key_values("a,,=x,");
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items[1].key, "");
  EXPECT_FALSE(items[1].value);
  EXPECT_EQ(items[2].key, "");
  EXPECT_EQ(items[2].value, "x");
  EXPECT_EQ(items[3].key, "");
  ASSERT_EQ(split_key_values("").size(), 1u);
}

}  // namespace
}  // namespace zvmm

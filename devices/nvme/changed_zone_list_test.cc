// The Changed Zone List log page at the offsets of the Zoned Namespace Command
// Set 1.1 "Changed Zone List" figure as listed in /work/shared/notes/
// nvme-zns.md section 5.9: NRZID @0 (2 bytes), reserved 2..7, ZID[511] @8
// (8 bytes each); NRZID FFFFh when more than 511 zones changed.
#include "devices/nvme/changed_zone_list.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "base/le.h"

namespace zvmm::nvme {
namespace {

uint16_t nrzid(const std::vector<uint8_t>& d) { return load_le<uint16_t>(d, 0); }
uint64_t zid(const std::vector<uint8_t>& d, size_t i) { return load_le<uint64_t>(d, 8 + 8 * i); }

TEST(ChangedZoneList, EmptyPage) {
  ChangedZoneList list;
  std::vector<uint8_t> d = list.page();
  ASSERT_EQ(d.size(), 4096u);
  EXPECT_EQ(d, std::vector<uint8_t>(4096, 0));
}

TEST(ChangedZoneList, ListsEachZoneOnceInOrder) {
  ChangedZoneList list;
  EXPECT_TRUE(list.add(0x4000));   // first change: time for the AEN
  EXPECT_FALSE(list.add(0x1000));
  EXPECT_FALSE(list.add(0x4000));  // already listed
  EXPECT_FALSE(list.add(uint64_t{1} << 40));
  std::vector<uint8_t> d = list.page();
  EXPECT_EQ(nrzid(d), 3);
  for (size_t i = 2; i < 8; ++i) EXPECT_EQ(d[i], 0) << i;
  EXPECT_EQ(zid(d, 0), 0x4000u);
  EXPECT_EQ(zid(d, 1), 0x1000u);
  EXPECT_EQ(zid(d, 2), uint64_t{1} << 40);
  for (size_t i = 8 + 3 * 8; i < 4096; ++i) ASSERT_EQ(d[i], 0) << i;
  EXPECT_EQ(list.size(), 3u);
}

TEST(ChangedZoneList, TakeClearsPageKeeps) {
  ChangedZoneList list;
  list.add(7);
  EXPECT_EQ(nrzid(list.page()), 1);   // RAE = 1: kept
  EXPECT_EQ(nrzid(list.page()), 1);
  std::vector<uint8_t> d = list.take_page();  // RAE = 0: cleared
  EXPECT_EQ(nrzid(d), 1);
  EXPECT_EQ(zid(d, 0), 7u);
  EXPECT_EQ(list.size(), 0u);
  EXPECT_EQ(list.page(), std::vector<uint8_t>(4096, 0));
  EXPECT_TRUE(list.add(7));  // listed again after the clearing read
}

TEST(ChangedZoneList, MoreThan511IsFfffAndNoIds) {
  ChangedZoneList list;
  for (uint64_t i = 0; i < 511; ++i) list.add(i * 1024);
  std::vector<uint8_t> full = list.page();
  EXPECT_EQ(nrzid(full), 511);
  EXPECT_EQ(zid(full, 510), 510u * 1024);  // last slot ends at byte 4096
  EXPECT_FALSE(list.overflowed());
  list.add(511 * 1024);
  EXPECT_TRUE(list.overflowed());
  std::vector<uint8_t> over = list.take_page();
  EXPECT_EQ(nrzid(over), 0xffff);
  for (size_t i = 2; i < 4096; ++i) ASSERT_EQ(over[i], 0) << i;
  EXPECT_FALSE(list.overflowed());
  EXPECT_EQ(nrzid(list.page()), 0);
}

TEST(ChangedZoneList, ConcurrentAdds) {
  ChangedZoneList list;
  std::vector<std::thread> threads;
  for (uint64_t t = 0; t < 4; ++t) {
    threads.emplace_back([&list, t] {
      for (uint64_t i = 0; i < 100; ++i) {
        list.add((t * 100 + i) * 64);
        list.add(0);  // every thread also reports zone 0
        if (i % 10 == 0) (void)list.page();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(list.size(), 400u);  // zone 0 once, among thread 0's ids
  EXPECT_EQ(nrzid(list.take_page()), 400);
}

}  // namespace
}  // namespace zvmm::nvme

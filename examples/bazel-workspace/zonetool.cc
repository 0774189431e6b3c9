// zonetool DEV: reports the zones of a zoned block device (ioctl BLKREPORTZONE),
// writes 64 KiB at the write pointer of the first empty sequential zone, reads
// it back and reports that zone again. Prints key=value lines for the test;
// exits 0 when the write moved the write pointer and the data read back equal.
#include <fcntl.h>
#include <linux/blkzoned.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

namespace {

constexpr size_t kWriteBytes = 64 * 1024;

const char* cond_name(unsigned cond) {
  switch (cond) {
    case BLK_ZONE_COND_NOT_WP: return "not-wp";
    case BLK_ZONE_COND_EMPTY: return "empty";
    case BLK_ZONE_COND_IMP_OPEN: return "imp-open";
    case BLK_ZONE_COND_EXP_OPEN: return "exp-open";
    case BLK_ZONE_COND_CLOSED: return "closed";
    case BLK_ZONE_COND_FULL: return "full";
    case BLK_ZONE_COND_READONLY: return "read-only";
    case BLK_ZONE_COND_OFFLINE: return "offline";
    default: return "unknown";
  }
}

int die(const char* what) {
  std::fprintf(stderr, "zonetool: %s: %s\n", what, std::strerror(errno));
  return 1;
}

// Reports up to `count` zones from `sector`; empty on error.
std::vector<blk_zone> report(int fd, __u64 sector, unsigned count) {
  size_t size = sizeof(blk_zone_report) + count * sizeof(blk_zone);
  std::unique_ptr<char[]> buf(new char[size]());
  auto* rep = reinterpret_cast<blk_zone_report*>(buf.get());
  rep->sector = sector;
  rep->nr_zones = count;
  if (ioctl(fd, BLKREPORTZONE, rep) != 0) return {};
  return std::vector<blk_zone>(rep->zones, rep->zones + rep->nr_zones);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: zonetool DEV\n");
    return 2;
  }
  int fd = open(argv[1], O_RDWR | O_DIRECT);
  if (fd < 0) return die(argv[1]);
  unsigned nr_zones = 0;
  __u32 zone_sectors = 0;
  if (ioctl(fd, BLKGETNRZONES, &nr_zones) != 0 || nr_zones == 0) {
    std::fprintf(stderr, "zonetool: %s is not a zoned block device\n", argv[1]);
    return 1;
  }
  if (ioctl(fd, BLKGETZONESZ, &zone_sectors) != 0) return die("BLKGETZONESZ");
  std::vector<blk_zone> zones = report(fd, 0, nr_zones);
  if (zones.size() != nr_zones) return die("BLKREPORTZONE");
  std::printf("zones=%u\nzone_sectors=%u\n", nr_zones, zone_sectors);
  unsigned conventional = 0, empty = 0;
  const blk_zone* target = nullptr;
  for (const blk_zone& z : zones) {
    if (z.type == BLK_ZONE_TYPE_CONVENTIONAL) ++conventional;
    if (z.cond == BLK_ZONE_COND_EMPTY) {
      ++empty;
      if (target == nullptr) target = &z;
    }
  }
  std::printf("conventional=%u\nempty=%u\n", conventional, empty);
  if (target == nullptr) {
    std::fprintf(stderr, "zonetool: no empty zone to write\n");
    return 1;
  }
  __u64 start = target->start;
  std::printf("write_zone=%llu\ncapacity_sectors=%llu\n",
              static_cast<unsigned long long>(start / zone_sectors),
              static_cast<unsigned long long>(target->capacity));

  void* buf = nullptr;
  if (posix_memalign(&buf, 4096, kWriteBytes) != 0) return die("posix_memalign");
  for (size_t i = 0; i < kWriteBytes; ++i) static_cast<unsigned char*>(buf)[i] = static_cast<unsigned char>(i * 7 + 3);
  if (pwrite(fd, buf, kWriteBytes, static_cast<off_t>(start) * 512) != static_cast<ssize_t>(kWriteBytes))
    return die("pwrite");
  std::vector<blk_zone> after = report(fd, start, 1);
  if (after.size() != 1) return die("BLKREPORTZONE after the write");
  std::printf("wp_advance=%llu\ncond_after=%s\n",
              static_cast<unsigned long long>(after[0].wp - start), cond_name(after[0].cond));

  void* back = nullptr;
  if (posix_memalign(&back, 4096, kWriteBytes) != 0) return die("posix_memalign");
  if (pread(fd, back, kWriteBytes, static_cast<off_t>(start) * 512) != static_cast<ssize_t>(kWriteBytes))
    return die("pread");
  bool same = std::memcmp(buf, back, kWriteBytes) == 0;
  std::printf("readback=%s\n", same ? "equal" : "different");
  free(buf);
  free(back);
  close(fd);
  return same && after[0].wp - start == kWriteBytes / 512 ? 0 : 1;
}

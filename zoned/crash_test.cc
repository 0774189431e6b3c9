// kill -9 at random moments: a forked child runs a random workload on an image
// and logs every operation before ("intent") and after ("done") it; the parent
// SIGKILLs it, reopens the image and checks that every completed write is
// covered by its zone's wp with the right data, and that zones without a
// pending operation are exactly as logged.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <thread>

#include "zoned/sync_zone_client.h"
#include "zoned/test_support.h"
#include "zoned/zoned_image.h"

namespace zvmm::zoned {
namespace {

using S = ZoneStatus;

constexpr uint64_t kZoneSectors = 256;  // 128 KiB zones
constexpr uint64_t kCapSectors = 192;
constexpr uint32_t kZones = 16;
constexpr uint32_t kConventional = 1;

ZoneGeometry geometry() {
  ZoneGeometryConfig c;
  c.device_bytes = kZones * kZoneSectors * 512;
  c.zone_size_bytes = kZoneSectors * 512;
  c.zone_capacity_bytes = kCapSectors * 512;
  c.nr_conventional = kConventional;
  c.max_open = 4;
  c.max_active = 6;
  return ZoneGeometry::from_config(c);
}

enum class Op : uint32_t { kWrite, kAppend, kReset, kFinish };
struct Record {
  uint32_t done;  // 0 intent, 1 done
  Op op;
  uint32_t zone;
  uint32_t salt;
  uint64_t sector;  // for append "done": assigned sector
  uint64_t sectors;
  uint32_t status;
  uint32_t pad;
};

void log(int fd, const Record& r) {
  // <= PIPE_BUF: atomic; blocks if the parent is not reading, which is fine.
  [[maybe_unused]] ssize_t n = ::write(fd, &r, sizeof(r));
}

[[noreturn]] void child(const std::string& path, int log_fd, uint32_t seed) {
  auto image = ZonedImage::open(path, geometry());
  SyncZoneClient c(image->engine(), 8);
  std::mt19937 rng(seed);
  for (uint32_t i = 0;; ++i) {
    const uint32_t z = kConventional + rng() % (kZones - kConventional);
    const uint64_t start = z * kZoneSectors;
    const uint32_t salt = seed * 100000 + i + 1;
    ZoneDescriptor d = image->engine().zone(z);
    uint32_t pick = rng() % 20;
    Record r{0, Op::kWrite, z, salt, 0, 0, 0, 0};
    if (d.cond == ZoneCondition::kFull || pick == 0) {
      r.op = Op::kReset;
    } else if (pick == 1) {
      r.op = Op::kFinish;
    } else {
      r.op = pick < 10 ? Op::kAppend : Op::kWrite;
      r.sector = d.wp;
      r.sectors = std::min<uint64_t>(8 * (1 + rng() % 8), start + kCapSectors - d.wp);
    }
    log(log_fd, r);
    S st{};
    auto data = testing::pattern(r.sector, r.sectors * 512, salt);
    switch (r.op) {
      case Op::kWrite: st = c.write(r.sector, data); break;
      case Op::kAppend: {
        // Appended data is tagged with the sector it is expected to land at (the
        // wp); the assigned sector is checked to be that.
        auto res = c.append(start, data);
        st = res.status;
        if (st == S::kOk && res.sector != r.sector) _exit(3);
        break;
      }
      case Op::kReset: st = c.reset(start); break;
      case Op::kFinish: st = c.finish(start); break;
    }
    r.done = 1;
    r.status = static_cast<uint32_t>(st);
    log(log_fd, r);
  }
}

struct ModelZone {
  uint64_t wp = 0;  // absolute
  bool full = false;
};

class CrashModel {
 public:
  CrashModel() : zones_(kZones), salts_(kZones * kZoneSectors, 0) {
    for (uint32_t z = 0; z < kZones; ++z) zones_[z].wp = z * kZoneSectors;
  }
  void apply(const Record& r) {
    ModelZone& m = zones_[r.zone];
    const uint64_t start = r.zone * kZoneSectors;
    switch (r.op) {
      case Op::kWrite:
      case Op::kAppend:
        for (uint64_t s = r.sector; s < r.sector + r.sectors; ++s) salts_[s] = r.salt;
        m.wp = r.sector + r.sectors;
        if (m.wp == start + kCapSectors) m.full = true;
        break;
      case Op::kReset:
        m = {start, false};
        std::fill(salts_.begin() + start, salts_.begin() + start + kZoneSectors, 0);
        break;
      case Op::kFinish:
        m = {start + kCapSectors, true};
        break;
    }
  }
  // Reconciles the pending operation with what the image shows, then checks.
  void verify(ZoneEngine& engine, SyncZoneClient& c, const Record* pending) {
    for (uint32_t z = kConventional; z < kZones; ++z) {
      ZoneDescriptor d = engine.zone(z);
      const uint64_t start = z * kZoneSectors;
      const bool full = d.cond == ZoneCondition::kFull;
      const uint64_t wp = full ? start + kCapSectors : d.wp;
      ModelZone& m = zones_[z];
      if (pending && pending->zone == z && (wp != m.wp || full != m.full)) {
        Record done = *pending;  // it completed in the image but was not logged
        apply(done);
      }
      ASSERT_EQ(full, m.full) << "zone " << z;
      // Reopening after kill -9 is a power cycle: no zone stays open, and a
      // zone without data is EMPTY, not CLOSED.
      ASSERT_FALSE(is_open(d.cond)) << "zone " << z << " is " << to_string(d.cond) << " after the restart";
      if (!full) {
        ASSERT_EQ(d.cond, wp == start ? ZoneCondition::kEmpty : ZoneCondition::kClosed) << "zone " << z;
      }
      ASSERT_EQ(wp, m.wp) << "zone " << z << (pending && pending->zone == z ? " (pending op)" : "");
      std::vector<uint8_t> buf(kZoneSectors * 512);
      ASSERT_EQ(c.read(start, buf), S::kOk);
      for (uint64_t s = start; s < start + kZoneSectors; ++s) {
        std::span<const uint8_t> sector(buf.data() + (s - start) * 512, 512);
        if (s < m.wp && salts_[s] != 0) {
          ASSERT_EQ(testing::first_mismatch(sector, s, salts_[s]), -1) << "data of sector " << s;
        } else {
          ASSERT_TRUE(std::all_of(sector.begin(), sector.end(), [](uint8_t b) { return b == 0; }))
              << "sector " << s << " above wp " << m.wp << " is not zeros";
        }
      }
    }
  }

 private:
  std::vector<ModelZone> zones_;
  std::vector<uint32_t> salts_;
};

TEST(Crash, KillNineLoopKeepsCompletedWrites) {
  const std::string path = testing::temp_path("crash.img");
  ::unlink(path.c_str());
  ZonedImage::create(path, geometry());
  CrashModel model;
  std::mt19937 rng(2024);
  constexpr int kKills = 100;
  int total_ops = 0;
  for (int round = 0; round < kKills; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      child(path, fds[1], static_cast<uint32_t>(round + 1));
    }
    ::close(fds[1]);
    // Read while the child runs, so it never blocks for long on the pipe.
    std::vector<Record> records;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(2000 + rng() % 25000);
    ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
    auto read_some = [&] {
      Record r;
      while (::read(fds[0], &r, sizeof(r)) == sizeof(r)) records.push_back(r);
    };
    while (std::chrono::steady_clock::now() < deadline) {
      read_some();
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    ::kill(pid, SIGKILL);
    int wstatus = 0;
    ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(wstatus)) << "child exited by itself, status " << wstatus << " (round " << round << ")";
    read_some();
    ::close(fds[0]);
    const Record* pending = nullptr;
    for (size_t i = 0; i < records.size(); ++i) {
      const Record& r = records[i];
      if (!r.done) {
        pending = &r;
        continue;
      }
      pending = nullptr;
      ++total_ops;
      if (static_cast<S>(r.status) == S::kOk) model.apply(r);
    }
    auto image = ZonedImage::open(path, geometry());
    SyncZoneClient c(image->engine(), 8);
    model.verify(image->engine(), c, pending);
    if (HasFatalFailure()) {
      ADD_FAILURE() << "round " << round << " (child seed " << round + 1 << ")";
      return;
    }
    auto counts = image->engine().resource_counts();
    ASSERT_EQ(counts.open, 0u);
    ASSERT_LE(counts.active, 6u);
  }
  RecordProperty("completed_ops", total_ops);
  EXPECT_GT(total_ops, kKills * 10) << "the child did too little work";
}

}  // namespace
}  // namespace zvmm::zoned

// zvmm's commands end to end over a real socket, on real emulated disks
// (no VM: the front ends are not attached).
#include "vmm/control/control_commands.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <filesystem>
#include <thread>

#include "vmm/exit_codes.h"
#include "zoned/sync_zone_client.h"

namespace zvmm::control {
namespace {

class Client {
 public:
  explicit Client(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    EXPECT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    timeval tv{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    EXPECT_TRUE(read().contains("QMP"));
    EXPECT_EQ(execute("qmp_capabilities"), (Json{{"return", Json::object()}}));
  }
  ~Client() { ::close(fd_); }
  Json read() {
    while (true) {
      if (const size_t nl = buf_.find('\n'); nl != std::string::npos) {
        const std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return Json::parse(line);
      }
      char tmp[65536];
      const ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
      if (n < 0 && errno == EINTR) continue;  // a signal of some thread in the process
      if (n <= 0) return nullptr;
      buf_.append(tmp, static_cast<size_t>(n));
    }
  }
  // The reply, skipping events (kept in `events`).
  Json execute(const std::string& name, Json args = Json::object()) {
    const std::string text = Json{{"execute", name}, {"arguments", args}}.dump() + "\n";
    EXPECT_EQ(::send(fd_, text.data(), text.size(), MSG_NOSIGNAL), static_cast<ssize_t>(text.size()));
    while (true) {
      Json r = read();
      if (r.is_object() && r.contains("event")) {
        events.push_back(r);
        continue;
      }
      return r;
    }
  }
  std::vector<Json> events;

 private:
  int fd_ = -1;
  std::string buf_;
};

class ControlCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/zctltestXXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    disks_ = std::make_unique<Disks>(std::vector<DiskSpec>{
        parse_disk_option("virtio-blk,file=" + dir_ + "/a.img,size=64M,zone-size=4M,conventional-zones=1,max-open=4,max-active=6"),
        parse_disk_option("nvme,file=" + dir_ + "/n.raw,zoned=none,size=16M")});
    server_ = std::make_unique<QmpServer>(io_, dir_ + "/s", Json{{"zvmm", "test"}});
    add_zvmm_commands(*server_, {*disks_, stop_, requested_});
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    server_->close("", {}, 100);
    work_.reset();
    io_.stop();
    thread_.join();
    server_.reset();
    disks_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string path() const { return dir_ + "/s"; }

  std::string dir_;
  std::unique_ptr<Disks> disks_;
  VmStop stop_;
  std::atomic<ControlStop> requested_{ControlStop::kNone};
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      boost::asio::make_work_guard(io_)};
  std::unique_ptr<QmpServer> server_;
  std::thread thread_;
};

TEST_F(ControlCommandsTest, QueryDisks) {
  Client c(path());
  const Json r = c.execute("query-disks")["return"];
  ASSERT_EQ(r.size(), 2u) << r;
  EXPECT_EQ(r[0]["id"], "vda");
  EXPECT_EQ(r[0]["frontend"], "virtio-blk");
  EXPECT_EQ(r[0]["backing"]["kind"], "zoned-image");
  EXPECT_EQ(r[0]["model"], "host-managed");
  EXPECT_EQ(r[0]["zones"], 16);
  EXPECT_EQ(r[0]["zone-sectors"], 8192);
  EXPECT_EQ(r[0]["conventional-zones"], 1);
  EXPECT_EQ(r[0]["max-open"], 4);
  EXPECT_EQ(r[0]["max-active"], 6);
  EXPECT_EQ(r[0]["open-zones"], 0);
  EXPECT_EQ(r[0]["counters"]["write-ops"], 0);
  EXPECT_EQ(r[1]["id"], "nvme0n1");
  EXPECT_EQ(r[1]["nsid"], 1);
  EXPECT_EQ(r[1]["frontend"], "nvme");
  EXPECT_EQ(r[1]["backing"]["kind"], "plain-image");
  EXPECT_EQ(r[1]["model"], "none");
}

TEST_F(ControlCommandsTest, ZoneOperationsAndReports) {
  Client c(path());
  Json r = c.execute("zone-open", {{"disk", "vda"}, {"zone", 2}});
  EXPECT_EQ(r["return"]["condition"], "explicit-open") << r;
  EXPECT_EQ(c.execute("query-disks")["return"][0]["open-zones"], 1);
  r = c.execute("zone-finish", {{"disk", "vda"}, {"zone", "3"}});
  EXPECT_EQ(r["return"]["condition"], "full") << r;
  EXPECT_EQ(r["return"]["wp"], 4 * 8192);  // Linux's convention: a FULL zone's wp is its end
  r = c.execute("query-zones", {{"disk", "vda"}, {"zone", 1}, {"count", 3}});
  ASSERT_EQ(r["return"]["zones"].size(), 3u) << r;
  EXPECT_EQ(r["return"]["zones"][0]["condition"], "empty");
  EXPECT_EQ(r["return"]["zones"][1]["condition"], "explicit-open");
  EXPECT_EQ(r["return"]["zones"][2]["index"], 3);
  r = c.execute("query-zones", {{"disk", "vda"}, {"filter", "full"}});
  EXPECT_EQ(r["return"]["matching"], 1);
  EXPECT_EQ(r["return"]["zones"][0]["start"], 3 * 8192);
  r = c.execute("query-zones", {{"disk", "vda"}});
  EXPECT_EQ(r["return"]["zones"].size(), 16u);
  EXPECT_EQ(r["return"]["zones"][0]["type"], "conventional");
  EXPECT_EQ(c.execute("zone-close", {{"disk", "vda"}, {"sector", 2 * 8192 + 5}})["return"]["condition"], "empty");
  EXPECT_EQ(c.execute("zone-reset", {{"disk", "vda"}, {"zone", 3}})["return"]["condition"], "empty");

  // Errors name the zone and its status.
  r = c.execute("zone-open", {{"disk", "vda"}, {"zone", 0}});
  EXPECT_EQ(r["error"]["class"], "GenericError");
  EXPECT_NE(r["error"]["desc"].get<std::string>().find("invalid-zone-op"), std::string::npos) << r;
  EXPECT_EQ(c.execute("zone-open", {{"disk", "vdz"}, {"zone", 1}})["error"]["class"], "DeviceNotFound");
  EXPECT_EQ(c.execute("zone-open", {{"disk", "vda"}, {"zone", 16}})["error"]["class"], "GenericError");
  EXPECT_EQ(c.execute("zone-open", {{"disk", "vda"}})["error"]["class"], "GenericError");
  EXPECT_EQ(c.execute("zone-open", {{"disk", "vda"}, {"zone", 1}, {"bogus", 1}})["error"]["class"], "GenericError");
  EXPECT_EQ(c.execute("query-zones", {{"disk", "vda"}, {"filter", "purple"}})["error"]["class"], "GenericError");
}

TEST_F(ControlCommandsTest, SetConditionEmitsAndPersists) {
  Client c(path());
  Client watcher(path());
  Json r = c.execute("zone-set-condition", {{"disk", "vda"}, {"zone", 5}, {"condition", "offline"}});
  EXPECT_EQ(r["return"]["condition"], "offline") << r;
  const Json e = watcher.read();
  EXPECT_EQ(e["event"], "ZONE_CONDITION_CHANGED");
  EXPECT_EQ(e["data"], (Json{{"disk", "vda"}, {"zone", 5}, {"start", 5 * 8192}, {"condition", "offline"}, {"previous", "empty"}}));
  r = c.execute("zone-set-condition", {{"disk", "vda"}, {"zone", 6}, {"condition", "read-only"}});
  EXPECT_EQ(r["return"]["condition"], "read-only") << r;
  // Offline cannot go back to read-only; a reset of an offline zone fails.
  r = c.execute("zone-set-condition", {{"disk", "vda"}, {"zone", 5}, {"condition", "read-only"}});
  EXPECT_NE(r["error"]["desc"].get<std::string>().find("invalid-transition"), std::string::npos) << r;
  r = c.execute("zone-reset", {{"disk", "vda"}, {"zone", 5}});
  EXPECT_NE(r["error"]["desc"].get<std::string>().find("the zone is offline"), std::string::npos) << r;
  r = c.execute("query-zones", {{"disk", "vda"}, {"filter", "offline"}});
  EXPECT_EQ(r["return"]["matching"], 1);
  EXPECT_EQ(c.execute("zone-set-condition", {{"disk", "vda"}, {"zone", 0}, {"condition", "offline"}})["error"]["class"], "GenericError");
  EXPECT_EQ(c.execute("zone-set-condition", {{"disk", "vda"}, {"zone", 7}, {"condition", "full"}})["error"]["class"], "GenericError");

  // The image keeps them (the state was flushed at once).
  server_->close("", {}, 100);
  disks_.reset();
  Disks again(std::vector<DiskSpec>{parse_disk_option("virtio-blk,file=" + dir_ + "/a.img")});
  zoned::ZoneDescriptor d[2];
  ASSERT_EQ(again.disk(0).device.report_zones(5 * 8192, zoned::ZoneFilter::kAll, d).count, 2u);
  EXPECT_EQ(d[0].cond, zoned::ZoneCondition::kOffline);
  EXPECT_EQ(d[1].cond, zoned::ZoneCondition::kReadOnly);
  disks_ = std::make_unique<Disks>(std::vector<DiskSpec>{});  // TearDown
}

TEST_F(ControlCommandsTest, InjectAndClearErrors) {
  Client c(path());
  Json r = c.execute("inject-error", {{"disk", "vda"}, {"sector", 8192}, {"sectors", 8}, {"operation", "read"}, {"count", 1}});
  EXPECT_EQ(r["return"]["id"], 1) << r;
  zoned::SyncZoneClient io(disks_->disk(0).device);
  std::vector<uint8_t> buf(4096);
  EXPECT_EQ(io.read(8192, buf), zoned::ZoneStatus::kIoError);
  EXPECT_EQ(io.read(8192, buf), zoned::ZoneStatus::kOk);  // count 1: used up
  r = c.execute("inject-error", {{"disk", "vda"}, {"sector", "16384"}, {"operation", "write"}, {"status", "zone-offline"}});
  EXPECT_EQ(io.write(16384, buf), zoned::ZoneStatus::kZoneOffline);
  EXPECT_EQ(io.write(8192, buf), zoned::ZoneStatus::kOk);
  const Json disk = c.execute("query-disks")["return"][0];
  EXPECT_EQ(disk["counters"]["injected-errors"], 2);
  ASSERT_EQ(disk["faults"].size(), 2u);
  EXPECT_EQ(disk["faults"][0]["armed"], false);
  EXPECT_EQ(disk["faults"][1]["status"], "zone-offline");
  EXPECT_EQ(c.execute("clear-errors")["return"]["cleared"], 2);
  EXPECT_EQ(io.write(16384, buf), zoned::ZoneStatus::kOk);
  EXPECT_EQ(c.execute("inject-error", {{"disk", "vda"}, {"status", "bad"}})["error"]["class"], "GenericError");
  EXPECT_EQ(c.execute("inject-error", {{"disk", "vda"}, {"operation", "erase"}})["error"]["class"], "GenericError");
  EXPECT_EQ(c.execute("inject-error", {{"disk", "vda"}, {"sector", 1u << 30}})["error"]["class"], "GenericError");
  EXPECT_EQ(c.execute("inject-error", {{"disk", "vda"}, {"probability", 2}})["error"]["class"], "GenericError");
}

TEST_F(ControlCommandsTest, QuitAndPowerCut) {
  Client c(path());
  EXPECT_EQ(c.execute("query-status")["return"], (Json{{"running", true}, {"status", "running"}}));
  EXPECT_EQ(c.execute("quit"), (Json{{"return", Json::object()}}));
  ASSERT_TRUE(stop_.requested());
  EXPECT_EQ(stop_.reason()->exit_code, exit_code::kGuestReset);
  EXPECT_EQ(requested_.load(), ControlStop::kQuit);
  EXPECT_EQ(c.execute("query-status")["return"]["running"], false);
  EXPECT_EQ(c.execute("power-cut")["error"]["desc"], "zvmm is already stopping");
}

TEST_F(ControlCommandsTest, PowerCut) {
  Client c(path());
  EXPECT_EQ(c.execute("power-cut"), (Json{{"return", Json::object()}}));
  EXPECT_EQ(stop_.reason()->exit_code, exit_code::kPowerCut);
  EXPECT_EQ(requested_.load(), ControlStop::kPowerCut);
}

}  // namespace
}  // namespace zvmm::control

// libFuzzer target: the control socket's JSON messages. One QmpServer with
// zvmm's commands over real disks (a zoned virtio-blk image and a zoned NVMe
// namespace, as control_commands_test builds them) serves on a Unix socket
// for the whole run, its io_context on a thread as in zvmm. Each input is one
// client connection: the server's greeting is read, then (when byte 0 bit 0
// is set) {"execute": "qmp_capabilities"} is sent so that commands are
// reached, then the rest of the input as the raw byte stream, then the client
// half-closes and reads until the server closes.
//
// Checks beyond the sanitizers: the server closes the connection after the
// client's EOF within 10 s (no hang), and everything it sends is
// newline-separated JSON objects.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "vmm/cli.h"
#include "vmm/control/control_commands.h"
#include "vmm/control/qmp_server.h"
#include "vmm/disks.h"

namespace zvmm::control {
namespace {

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "control_fuzz: %s\n", what.c_str());
  std::abort();
}

struct World {
  World() {
    // /tmp, not TEST_TMPDIR: a Unix socket path has at most 107 characters.
    std::string tmpl = "/tmp/zctlfuzzXXXXXX";
    if (!::mkdtemp(tmpl.data())) fail("mkdtemp");
    dir = tmpl;
    disks = std::make_unique<Disks>(std::vector<DiskSpec>{
        parse_disk_option("virtio-blk,file=" + dir + "/a.img,size=32M,zone-size=4M,conventional-zones=1,max-open=3,max-active=4"),
        parse_disk_option("nvme,file=" + dir + "/n.img,size=16M,zoned=hm,zone-size=4M")});
    server = std::make_unique<QmpServer>(io, dir + "/s", Json{{"zvmm", "fuzz"}});
    add_zvmm_commands(*server, {*disks, stop, requested});
    thread = std::thread([this] { io.run(); });
  }
  // Never destroyed: the server lives for the whole fuzzing process (stop_world).

  std::string dir;
  std::unique_ptr<Disks> disks;
  VmStop stop;
  std::atomic<ControlStop> requested{ControlStop::kNone};
  boost::asio::io_context io;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work{
      boost::asio::make_work_guard(io)};
  std::unique_ptr<QmpServer> server;
  std::thread thread;
};

World* the_world = nullptr;

// At exit, before static destructors: close the server and join the loop
// thread (a process that exits with the loop still running frees Asio's and
// the library's statics under it: "double free" at exit).
void stop_world() {
  World& w = *the_world;
  w.server->close("", {}, 100);
  w.work.reset();
  w.io.stop();
  w.thread.join();
}

World& world() {
  if (!the_world) {
    the_world = new World();
    std::atexit(stop_world);
  }
  return *the_world;
}

void check_output(const std::string& out) {
  size_t start = 0;
  while (start < out.size()) {
    const size_t nl = out.find('\n', start);
    if (nl == std::string::npos) fail("output does not end with a newline: " + out.substr(start, 200));
    const std::string line = out.substr(start, nl - start);
    const Json j = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) fail("server sent something that is not a JSON object: " + line.substr(0, 200));
    start = nl + 1;
  }
}

void run(const uint8_t* data, size_t size) {
  World& w = world();
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, w.server->path().c_str(), sizeof(addr.sun_path) - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) fail("connect");
  timeval tv{.tv_sec = 10, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  std::string in;
  if (size > 0 && (data[0] & 1)) in = "{\"execute\": \"qmp_capabilities\"}\n";
  if (size > 1) in.append(reinterpret_cast<const char*>(data + 1), size - 1);
  // Send while draining replies (a client that does not read is closed at
  // 4 MiB of pending output; the inputs are far smaller).
  size_t sent = 0;
  while (sent < in.size()) {
    const ssize_t n = ::send(fd, in.data() + sent, in.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the server closed (e.g. message too long)
    sent += static_cast<size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) fail("no EOF from the server 10 s after the client's");
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  check_output(out);
}

}  // namespace
}  // namespace zvmm::control

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  zvmm::control::run(data, size);
  return 0;
}

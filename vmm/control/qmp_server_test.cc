#include "vmm/control/qmp_server.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

namespace zvmm::control {
namespace {

// A blocking client on a real socket: reads replies line by line.
class TestClient {
 public:
  explicit TestClient(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    timeval tv{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~TestClient() { ::close(fd_); }
  bool connected() const { return connected_; }

  void send_raw(const std::string& text) {
    size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::send(fd_, text.data() + done, text.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return;
      done += static_cast<size_t>(n);
    }
  }
  // The next line as JSON; null at EOF or timeout.
  Json read() {
    while (true) {
      if (const size_t nl = buf_.find('\n'); nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return Json::parse(line);
      }
      char tmp[4096];
      const ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
      if (n < 0 && errno == EINTR) continue;  // a signal of some thread in the process
      if (n <= 0) return nullptr;
      buf_.append(tmp, static_cast<size_t>(n));
    }
  }
  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }
  bool at_eof() {
    char c;
    return buf_.empty() && ::recv(fd_, &c, 1, 0) == 0;
  }
  Json execute(const std::string& name, Json args = Json::object()) {
    send_raw(Json{{"execute", name}, {"arguments", args}}.dump() + "\n");
    return read();
  }
  // Greeting + qmp_capabilities.
  void negotiate() {
    const Json greeting = read();
    ASSERT_TRUE(greeting.contains("QMP")) << greeting;
    ASSERT_EQ(execute("qmp_capabilities"), (Json{{"return", Json::object()}}));
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

class QmpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Socket paths are short (108 bytes): not under Bazel's deep TEST_TMPDIR.
    char tmpl[] = "/tmp/qmptestXXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/s";
  }
  void TearDown() override {
    stop();
    std::filesystem::remove_all(dir_);
  }
  void start() {
    server_ = std::make_unique<QmpServer>(io_, path_, Json{{"zvmm", "test"}});
    server_->add_command("echo", [](const Json& args) { return args; });
    server_->add_command("fail", [](const Json&) -> Json { throw CommandError("it failed"); });
    server_->add_command("throw", [](const Json& args) -> Json { return args.at("missing").get<int>(); });
    thread_ = std::thread([this] { io_.run(); });
  }
  void stop() {
    if (server_) server_->close("", {}, 100);
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
  }

  std::string dir_, path_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      boost::asio::make_work_guard(io_)};
  std::unique_ptr<QmpServer> server_;
  std::thread thread_;
};

// A client that sends its commands and then shuts down its sending side (as
// `printf ... | socat - UNIX-CONNECT:` or zvmm-ctl --raw do) gets every reply
// before the server closes: the client's EOF ends its input, not the output
// already queued for it. 200 replies of 2 KiB each are more than the socket
// buffers hold, so most are still queued when the server reads the EOF.
TEST_F(QmpServerTest, RepliesQueuedAtTheClientsEofAreDelivered) {
  start();
  TestClient c(path_);
  ASSERT_TRUE(c.connected());
  const std::string payload(2048, 'p');
  std::string batch = R"({"execute":"qmp_capabilities"})";
  constexpr int kCommands = 200;
  for (int i = 0; i < kCommands; ++i) {
    batch += Json{{"execute", "echo"}, {"arguments", {{"p", payload}}}, {"id", i}}.dump() + "\n";
  }
  batch += R"({"execute": "ech)";  // a half message at the end: dropped at EOF
  c.send_raw(batch);
  c.shutdown_write();
  ASSERT_TRUE(c.read().contains("QMP"));
  ASSERT_EQ(c.read(), (Json{{"return", Json::object()}}));
  for (int i = 0; i < kCommands; ++i) {
    const Json r = c.read();
    ASSERT_FALSE(r.is_null()) << "reply " << i << " of " << kCommands << " lost at the client's EOF";
    EXPECT_EQ(r.value("id", -1), i);
    EXPECT_EQ(r["return"]["p"], payload);
  }
  EXPECT_TRUE(c.at_eof());
}

TEST_F(QmpServerTest, GreetingNegotiationAndCommands) {
  start();
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  TestClient c(path_);
  ASSERT_TRUE(c.connected());
  const Json greeting = c.read();
  EXPECT_EQ(greeting["QMP"]["version"], (Json{{"zvmm", "test"}}));
  EXPECT_EQ(greeting["QMP"]["capabilities"], Json::array());
  // Commands before negotiation: CommandNotFound, as QEMU.
  Json r = c.execute("echo");
  EXPECT_EQ(r["error"]["class"], "CommandNotFound");
  EXPECT_EQ(c.execute("qmp_capabilities"), (Json{{"return", Json::object()}}));
  EXPECT_EQ(c.execute("qmp_capabilities")["error"]["class"], "CommandNotFound");

  c.send_raw(R"({"execute": "echo", "arguments": {"a": 1}, "id": "x7"})" "\n");
  EXPECT_EQ(c.read(), (Json{{"return", {{"a", 1}}}, {"id", "x7"}}));
  // No newline: the object's end ends the message; two in one write.
  c.send_raw(R"({"execute":"echo","id":1}{"execute":"echo","id":2})");
  EXPECT_EQ(c.read(), (Json{{"return", Json::object()}, {"id", 1}}));
  EXPECT_EQ(c.read(), (Json{{"return", Json::object()}, {"id", 2}}));
  // Split across writes.
  c.send_raw(R"({"execute": "ec)");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  c.send_raw(R"(ho", "arguments": {"s": "}{\"\n"}})" "\n");
  EXPECT_EQ(c.read(), (Json{{"return", {{"s", "}{\"\n"}}}}));

  r = c.execute("fail");
  EXPECT_EQ(r, (Json{{"error", {{"class", "GenericError"}, {"desc", "it failed"}}}}));
  r = c.execute("throw");
  EXPECT_EQ(r["error"]["class"], "GenericError");
  EXPECT_NE(r["error"]["desc"].get<std::string>().find("missing"), std::string::npos) << r;
  r = c.execute("nope");
  EXPECT_EQ(r["error"]["class"], "CommandNotFound");
  EXPECT_EQ(r["error"]["desc"], "The command nope has not been found");
  r = c.execute("query-commands");
  EXPECT_NE(r["return"].dump().find("\"echo\""), std::string::npos);
}

TEST_F(QmpServerTest, MalformedInputGetsErrorsAndTheConnectionStays) {
  start();
  TestClient c(path_);
  c.negotiate();
  for (const char* bad : {"garbage\n", "{\"execute\": }\n", "[1,2]\n", "{]\n", "{\"arguments\": {}}\n",
                          "{\"execute\": 5}\n", "{\"execute\": \"echo\", \"arguments\": 3}\n",
                          "{\"execute\": \"echo\", \"bogus\": 1}\n", "\"str\n"}) {
    c.send_raw(bad);
    const Json r = c.read();
    ASSERT_TRUE(r.is_object()) << bad;
    EXPECT_EQ(r["error"]["class"], "GenericError") << bad << " -> " << r;
  }
  // Blank lines are ignored; the connection still works.
  c.send_raw("\n\n  \r\n");
  EXPECT_EQ(c.execute("echo", {{"ok", true}}), (Json{{"return", {{"ok", true}}}}));
}

TEST_F(QmpServerTest, OversizedMessageIsAnsweredAndClosed) {
  start();
  TestClient big(path_);
  big.negotiate();
  TestClient other(path_);
  other.negotiate();
  big.send_raw("{\"execute\": \"echo\", \"arguments\": {\"s\": \"" + std::string(kMaxMessageBytes + 10, 'x'));
  const Json r = big.read();
  EXPECT_EQ(r["error"]["class"], "GenericError");
  EXPECT_NE(r["error"]["desc"].get<std::string>().find("longer than"), std::string::npos);
  EXPECT_TRUE(big.at_eof());
  // A message just under the limit is fine, and other clients never noticed.
  const std::string s(kMaxMessageBytes - 100, 'y');
  EXPECT_EQ(other.execute("echo", {{"s", s}})["return"]["s"], s);
}

TEST_F(QmpServerTest, SeveralClientsAndEvents) {
  start();
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 5; ++i) {
    clients.push_back(std::make_unique<TestClient>(path_));
    clients.back()->negotiate();
  }
  TestClient unnegotiated(path_);
  ASSERT_TRUE(unnegotiated.read().contains("QMP"));
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(clients[i]->execute("echo", {{"i", i}})["return"]["i"], i);
  }
  server_->emit_event("THING", {{"n", 3}});
  for (auto& c : clients) {
    const Json e = c->read();
    EXPECT_EQ(e["event"], "THING");
    EXPECT_EQ(e["data"], (Json{{"n", 3}}));
    EXPECT_TRUE(e["timestamp"]["seconds"].is_number_integer());
    EXPECT_TRUE(e["timestamp"]["microseconds"].is_number_integer());
  }
  // Clients leaving do not disturb the others.
  clients.erase(clients.begin(), clients.begin() + 3);
  // The unnegotiated client got no event: its next line is its reply.
  EXPECT_EQ(unnegotiated.execute("echo")["error"]["class"], "CommandNotFound");
  EXPECT_EQ(clients[0]->execute("echo", {{"x", 1}})["return"]["x"], 1);

  // Shutdown: the event, then EOF, then the socket file is gone.
  server_->close("SHUTDOWN", {{"guest", false}});
  for (auto& c : clients) {
    EXPECT_EQ(c->read()["event"], "SHUTDOWN");
    EXPECT_TRUE(c->at_eof());
  }
  EXPECT_FALSE(std::filesystem::exists(path_));
}

TEST_F(QmpServerTest, TooManyClients) {
  start();
  std::vector<std::unique_ptr<TestClient>> clients;
  for (size_t i = 0; i < kMaxClients; ++i) {
    clients.push_back(std::make_unique<TestClient>(path_));
    ASSERT_TRUE(clients.back()->read().contains("QMP"));
  }
  TestClient extra(path_);
  EXPECT_EQ(extra.read()["error"]["class"], "GenericError");
  EXPECT_TRUE(extra.at_eof());
  clients.pop_back();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  TestClient again(path_);
  again.negotiate();
}

TEST_F(QmpServerTest, RefusesCommandsWhileShuttingDown) {
  start();
  TestClient c(path_);
  c.negotiate();
  server_->add_command("query-status", [](const Json&) { return Json{{"status", "running"}}; });
  server_->refuse_commands();
  EXPECT_EQ(c.execute("echo")["error"]["desc"], "zvmm is shutting down");
  EXPECT_EQ(c.execute("query-status")["return"]["status"], "running");
}

TEST_F(QmpServerTest, SocketPathRules) {
  // A regular file is never replaced.
  std::ofstream(path_) << "data";
  EXPECT_THROW(start(), std::runtime_error);
  std::filesystem::remove(path_);
  // A live socket is refused; a stale one is replaced.
  const int live = create_control_socket(path_);
  EXPECT_THROW(create_control_socket(path_), std::runtime_error);
  ::close(live);  // now stale: the file stays, nobody listens
  ASSERT_TRUE(std::filesystem::exists(path_));
  start();
  TestClient c(path_);
  c.negotiate();
  stop();
  EXPECT_FALSE(std::filesystem::exists(path_));
  EXPECT_THROW(create_control_socket(std::string(200, 'p')), std::runtime_error);
}

}  // namespace
}  // namespace zvmm::control

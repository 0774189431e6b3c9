// zvmm-ctl: a command-line client of zvmm's control socket (--control PATH).
// See `zvmm-ctl --help` and docs/usage.md "Control socket".
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace {

using Json = nlohmann::json;

constexpr int kExitErrorReply = 1;
constexpr int kExitUsage = 2;
constexpr int kExitConnection = 3;
constexpr int kExitTimeout = 4;

const char* kUsage = R"(usage: zvmm-ctl [--json] [--timeout SEC] SOCKET COMMAND [ARG...]
       zvmm-ctl [--timeout SEC] SOCKET --wait-event NAME [COMMAND [ARG...]]
       zvmm-ctl [--timeout SEC] --raw SOCKET

Sends one command to a running zvmm's control socket (zvmm --control SOCKET):
connects, reads the greeting, negotiates (qmp_capabilities), sends COMMAND,
prints the result.

ARG is key=value (a value of digits is a number, true/false a boolean,
anything else a string), --key value, or positional:
  query-zones DISK                       the disk's zones (--filter COND,
                                         --zone N, --count N)
  zone-open|zone-close|zone-finish|zone-reset DISK ZONE
  zone-set-condition DISK ZONE read-only|offline
  inject-error DISK                      (sector=, sectors=, operation=, status=,
                                         count=, probability=, delay-ms=)
  clear-errors [DISK]
Commands: query-status, query-disks, query-zones, zone-set-condition,
zone-open, zone-close, zone-finish, zone-reset, inject-error, clear-errors,
quit, power-cut, query-commands.

examples:
  zvmm-ctl /tmp/z.sock query-disks
  zvmm-ctl /tmp/z.sock query-zones vda --filter offline
  zvmm-ctl /tmp/z.sock zone-set-condition disk=vda zone=3 condition=offline
  zvmm-ctl /tmp/z.sock inject-error disk=vda sector=65536 sectors=8192 operation=read
  zvmm-ctl /tmp/z.sock --wait-event SHUTDOWN quit

options:
  --json             print the command's raw "return" value as JSON
  --wait-event NAME  after the command (if any), wait for event NAME and print
                     its data as JSON
  --timeout SEC      give up after SEC seconds (default 30; exit status 4)
  --raw              no protocol: copy stdin to the socket byte for byte (no
                     greeting read, no negotiation), print what zvmm sends;
                     at stdin's EOF shut down the sending side and print the
                     rest until zvmm closes the connection (for testing the
                     server with malformed input, like socat)
  -h, --help         this text

exit status: 0 success; 1 the command failed (its error's desc on stderr);
2 usage; 3 cannot connect or the connection broke; 4 timeout.
)";

class Connection {
 public:
  Connection(const std::string& path, std::chrono::steady_clock::time_point deadline) : deadline_(deadline) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof(addr.sun_path)) throw std::runtime_error(path + ": socket path too long");
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      throw std::runtime_error("cannot connect to " + path + ": " + std::strerror(errno));
    }
  }
  ~Connection() {
    if (fd_ >= 0) ::close(fd_);
  }

  void send(const Json& message) {
    const std::string text = message.dump() + "\n";
    size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::send(fd_, text.data() + done, text.size() - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw std::runtime_error(std::string("send: ") + std::strerror(errno));
      done += static_cast<size_t>(n);
    }
  }

  // The next message; throws at EOF; returns null on timeout.
  Json read() {
    while (true) {
      if (const size_t nl = buf_.find('\n'); nl != std::string::npos) {
        const std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        if (line.find_first_not_of(" \r\t") == std::string::npos) continue;
        return Json::parse(line);
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - std::chrono::steady_clock::now());
      if (left.count() <= 0) return nullptr;
      pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
      const int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1 << 30)));
      if (r < 0 && errno == EINTR) continue;
      if (r == 0) return nullptr;
      char tmp[65536];
      const ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw std::runtime_error("zvmm closed the connection");
      buf_.append(tmp, static_cast<size_t>(n));
    }
  }

 private:
  int fd_ = -1;
  std::string buf_;
  std::chrono::steady_clock::time_point deadline_;
};

Json parse_value(const std::string& v) {
  if (!v.empty() && v.find_first_not_of("0123456789") == std::string::npos && v.size() < 19) return std::stoull(v);
  if (v == "true") return true;
  if (v == "false") return false;
  return v;
}

// Positional arguments' keys, per command.
std::vector<std::string> positional_keys(const std::string& command) {
  if (command == "query-zones" || command == "inject-error" || command == "clear-errors") return {"disk"};
  if (command == "zone-open" || command == "zone-close" || command == "zone-finish" || command == "zone-reset") {
    return {"disk", "zone"};
  }
  if (command == "zone-set-condition") return {"disk", "zone", "condition"};
  return {};
}

std::string pad(std::string s, size_t w) {
  if (s.size() < w) s.insert(0, w - s.size(), ' ');
  return s;
}
std::string lpad(std::string s, size_t w) {
  if (s.size() < w) s.append(w - s.size(), ' ');
  return s;
}
std::string num(const Json& j) { return j.is_number() ? std::to_string(j.get<uint64_t>()) : j.dump(); }

std::string size_text(uint64_t sectors) {
  const uint64_t bytes = sectors * 512;
  const char* units[] = {"", "K", "M", "G", "T"};
  int u = 0;
  uint64_t v = bytes;
  while (u < 4 && v >= 1024 && v % 1024 == 0) {
    v /= 1024;
    ++u;
  }
  return std::to_string(v) + units[u];
}

std::string limit(const Json& j) { return j.get<uint64_t>() == 0 ? "-" : num(j); }

void print_zones(const Json& r) {
  std::printf("%s: %s zone(s) match\n", r["disk"].get<std::string>().c_str(), num(r["matching"]).c_str());
  std::printf("%6s %12s %10s %10s %12s  %-19s %s\n", "ZONE", "START", "LEN", "CAP", "WP", "TYPE", "CONDITION");
  for (const Json& z : r["zones"]) {
    std::printf("%6s %12s %10s %10s %12s  %-19s %s%s\n", num(z["index"]).c_str(), num(z["start"]).c_str(),
                num(z["len"]).c_str(), num(z["capacity"]).c_str(), num(z["wp"]).c_str(),
                z["type"].get<std::string>().c_str(), z["condition"].get<std::string>().c_str(),
                z["non-seq"].get<bool>() ? " non-seq" : "");
  }
}

void print_disks(const Json& r) {
  std::printf("%-8s %-10s %-12s %6s %7s %9s %11s %10s %10s %7s  %s\n", "DISK", "FRONTEND", "MODEL", "ZONES", "ZSIZE",
              "OPEN/MAX", "ACTIVE/MAX", "READS", "WRITES", "FAULTS", "BACKING");
  for (const Json& d : r) {
    const std::string open = num(d["open-zones"]) + "/" + limit(d["max-open"]);
    const std::string active = num(d["active-zones"]) + "/" + limit(d["max-active"]);
    const Json& c = d["counters"];
    const uint64_t writes = c["write-ops"].get<uint64_t>() + c["append-ops"].get<uint64_t>();
    std::printf("%-8s %-10s %-12s %6s %7s %9s %11s %10s %10s %7s  %s%s\n", d["id"].get<std::string>().c_str(),
                d["frontend"].get<std::string>().c_str(), d["model"].get<std::string>().c_str(),
                num(d["zones"]).c_str(), size_text(d["zone-sectors"].get<uint64_t>()).c_str(), open.c_str(),
                active.c_str(), num(c["read-ops"]).c_str(), std::to_string(writes).c_str(),
                std::to_string(d["faults"].size()).c_str(), d["backing"]["path"].get<std::string>().c_str(),
                d["read-only"].get<bool>() ? " (read-only)" : "");
  }
}

void print_human(const std::string& command, const Json& r) {
  if (command == "query-zones") return print_zones(r);
  if (command == "query-disks") return print_disks(r);
  if (command == "query-status") {
    std::printf("%s\n", r["status"].get<std::string>().c_str());
    return;
  }
  if (command.starts_with("zone-")) {
    std::printf("zone %s: %s, wp %s\n", num(r["index"]).c_str(), r["condition"].get<std::string>().c_str(),
                num(r["wp"]).c_str());
    return;
  }
  if (command == "inject-error") {
    std::printf("fault %s armed\n", num(r["id"]).c_str());
    return;
  }
  if (command == "clear-errors") {
    std::printf("%s fault(s) cleared\n", num(r["cleared"]).c_str());
    return;
  }
  if (r.is_object() && r.empty()) return;
  std::printf("%s\n", r.dump(2).c_str());
}

// --raw: stdin to the socket, the socket to stdout, until zvmm closes it.
int raw_session(const std::string& path, std::chrono::steady_clock::time_point deadline) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    std::fprintf(stderr, "zvmm-ctl: %s: socket path too long\n", path.c_str());
    return kExitConnection;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    std::fprintf(stderr, "zvmm-ctl: cannot connect to %s: %s\n", path.c_str(), std::strerror(errno));
    return kExitConnection;
  }
  bool input_open = true;
  uint64_t sent = 0;
  char buf[65536];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      std::fprintf(stderr, "zvmm-ctl: timed out (%llu byte(s) of input sent)\n", static_cast<unsigned long long>(sent));
      ::close(fd);
      return kExitTimeout;
    }
    pollfd p[2] = {{.fd = fd, .events = POLLIN, .revents = 0}, {.fd = 0, .events = POLLIN, .revents = 0}};
    const int r = ::poll(p, input_open ? 2 : 1, static_cast<int>(std::min<int64_t>(left.count(), 1 << 30)));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) break;
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // zvmm closed the connection
      std::fwrite(buf, 1, static_cast<size_t>(n), stdout);
      std::fflush(stdout);
    }
    if (input_open && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      const ssize_t n = ::read(0, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        input_open = false;
        ::shutdown(fd, SHUT_WR);
        continue;
      }
      for (ssize_t done = 0; done < n;) {
        const ssize_t w = ::send(fd, buf + done, static_cast<size_t>(n - done), MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
          // zvmm closed the connection under us: keep what it sent.
          std::fprintf(stderr, "zvmm-ctl: send after %llu byte(s): %s\n", static_cast<unsigned long long>(sent),
                       std::strerror(errno));
          input_open = false;
          break;
        }
        done += w;
        sent += static_cast<uint64_t>(w);
      }
    }
  }
  ::close(fd);
  return 0;
}

int usage_error(const std::string& message) {
  std::fprintf(stderr, "zvmm-ctl: %s (see zvmm-ctl --help)\n", message.c_str());
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  bool json = false, raw = false;
  double timeout = 30;
  std::string wait_event, socket_path, command;
  Json arguments = Json::object();
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    try {
      if (a == "-h" || a == "--help") {
        std::fputs(kUsage, stdout);
        return 0;
      } else if (a == "--json") {
        json = true;
      } else if (a == "--raw") {
        raw = true;
      } else if (a == "--timeout") {
        timeout = std::stod(value());
      } else if (a == "--wait-event") {
        wait_event = value();
      } else if (a.starts_with("--") && !command.empty()) {
        arguments[a.substr(2)] = parse_value(value());
      } else if (a.starts_with("-") && a.size() > 1) {
        return usage_error("unknown option " + a);
      } else if (socket_path.empty()) {
        socket_path = a;
      } else if (command.empty()) {
        command = a;
      } else if (const size_t eq = a.find('='); eq != std::string::npos && eq > 0) {
        arguments[a.substr(0, eq)] = parse_value(a.substr(eq + 1));
      } else {
        positional.push_back(a);
      }
    } catch (const std::exception& e) {
      return usage_error(e.what());
    }
  }
  if (socket_path.empty()) return usage_error("no SOCKET given");
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<int64_t>(timeout * 1000));
  if (raw) {
    if (!command.empty() || json || !wait_event.empty()) return usage_error("--raw takes only SOCKET (and --timeout)");
    return raw_session(socket_path, deadline);
  }
  if (command.empty() && wait_event.empty()) return usage_error("no COMMAND given");
  const std::vector<std::string> keys = positional_keys(command);
  if (positional.size() > keys.size()) return usage_error("too many arguments for " + command + ": " + positional[keys.size()]);
  for (size_t i = 0; i < positional.size(); ++i) {
    if (arguments.contains(keys[i])) return usage_error(keys[i] + " given twice");
    arguments[keys[i]] = keys[i] == "zone" ? parse_value(positional[i]) : Json(positional[i]);
  }

  try {
    Connection c(socket_path, deadline);
    auto expect_reply = [&](const char* what) -> Json {
      while (true) {
        Json m = c.read();
        if (m.is_null()) throw std::range_error(std::string("timed out waiting for ") + what);
        if (m.is_object() && m.contains("event")) {
          if (!wait_event.empty() && m["event"] == wait_event) {
            std::printf("%s\n", m["data"].dump().c_str());
            wait_event.clear();  // seen already
          }
          continue;
        }
        return m;
      }
    };
    const Json greeting = expect_reply("the greeting");
    if (!greeting.contains("QMP")) throw std::runtime_error("not a QMP greeting: " + greeting.dump());
    c.send({{"execute", "qmp_capabilities"}});
    Json r = expect_reply("qmp_capabilities");
    if (r.contains("error")) throw std::runtime_error("qmp_capabilities: " + r["error"]["desc"].get<std::string>());
    const std::string wanted_event = wait_event;
    if (!command.empty()) {
      const std::string cmd = command;
      c.send({{"execute", cmd}, {"arguments", arguments}});
      r = expect_reply(cmd.c_str());
      if (r.contains("error")) {
        std::fprintf(stderr, "zvmm-ctl: %s\n", r["error"]["desc"].get<std::string>().c_str());
        return kExitErrorReply;
      }
      if (json) {
        std::printf("%s\n", r["return"].dump(2).c_str());
      } else {
        print_human(cmd, r["return"]);
      }
      std::fflush(stdout);
    }
    if (!wait_event.empty()) {
      while (true) {
        Json m;
        try {
          m = c.read();
        } catch (const std::runtime_error&) {
          std::fprintf(stderr, "zvmm-ctl: the connection closed before event %s\n", wanted_event.c_str());
          return kExitConnection;
        }
        if (m.is_null()) {
          std::fprintf(stderr, "zvmm-ctl: timed out waiting for event %s\n", wanted_event.c_str());
          return kExitTimeout;
        }
        if (m.is_object() && m.value("event", "") == wait_event) {
          std::printf("%s\n", m["data"].dump().c_str());
          break;
        }
      }
    }
  } catch (const std::range_error& e) {
    std::fprintf(stderr, "zvmm-ctl: %s\n", e.what());
    return kExitTimeout;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "zvmm-ctl: %s\n", e.what());
    return kExitConnection;
  }
  return 0;
}

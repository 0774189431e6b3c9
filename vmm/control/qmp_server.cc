#include "vmm/control/qmp_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <future>
#include <thread>

namespace zvmm::control {

namespace {

using boost::asio::local::stream_protocol;

std::string errno_text(int err) { return std::strerror(err); }

sockaddr_un socket_address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    throw std::runtime_error("--control " + path + ": a socket path must have 1 to " +
                             std::to_string(sizeof(addr.sun_path) - 1) + " characters");
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

// True if something accepts connections at `path`.
bool socket_in_use(const sockaddr_un& addr) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const bool in_use = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return in_use;
}

Json error_reply(const std::string& cls, const std::string& desc) {
  return Json{{"error", {{"class", cls}, {"desc", desc}}}};
}

}  // namespace

int create_control_socket(const std::string& path) {
  const sockaddr_un addr = socket_address(path);
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      throw std::runtime_error("--control " + path + ": exists and is not a socket (refusing to replace it)");
    }
    if (socket_in_use(addr)) {
      throw std::runtime_error("--control " + path + ": another process is listening on this socket");
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      throw std::runtime_error("--control " + path + ": cannot remove the stale socket: " + errno_text(errno));
    }
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("--control " + path + ": socket: " + errno_text(errno));
  auto fail = [&](const char* what) {
    const int err = errno;
    ::close(fd);
    throw std::runtime_error("--control " + path + ": " + what + ": " + errno_text(err));
  };
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) fail("bind");
  // Nobody can connect before listen(): owner-only from the first connection.
  if (::chmod(path.c_str(), 0600) != 0) {
    ::unlink(path.c_str());
    fail("chmod 0600");
  }
  if (::listen(fd, 16) != 0) {
    ::unlink(path.c_str());
    fail("listen");
  }
  return fd;
}

Json event_timestamp() {
  timeval tv{};
  ::gettimeofday(&tv, nullptr);
  return Json{{"seconds", static_cast<int64_t>(tv.tv_sec)}, {"microseconds", static_cast<int64_t>(tv.tv_usec)}};
}

// One connection: reads messages (framing below), queues output.
class QmpServer::Client : public std::enable_shared_from_this<Client> {
 public:
  Client(QmpServer& server, stream_protocol::socket socket) : server_(server), socket_(std::move(socket)) {}

  void start(const Json& greeting) {
    send(greeting);
    read();
  }

  void send(const Json& message) {
    if (closed_) return;
    std::string text = message.dump(-1, ' ', false, Json::error_handler_t::replace);
    text += "\r\n";  // as QEMU
    pending_bytes_ += text.size();
    if (pending_bytes_ > kMaxPendingOutput) {
      close();  // a client that does not read
      return;
    }
    out_.push_back(std::move(text));
    if (!writing_) write_next();
  }

  // Closes once the queued output is written.
  void close_after_output() {
    close_after_output_ = true;
    if (!writing_) close();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ec;
    socket_.shutdown(stream_protocol::socket::shutdown_both, ec);
    socket_.close(ec);
    // While a write is in flight its buffer is out_.front(): the write's
    // handler drops the queue (it runs even when the write had already
    // completed successfully before this close).
    if (!writing_) out_.clear();
    server_.clients_.erase(shared_from_this());
  }

  bool idle() const { return out_.empty(); }
  bool negotiated() const { return negotiated_; }

 private:
  void read() {
    if (closed_ || close_after_output_) return;
    socket_.async_read_some(boost::asio::buffer(in_),
                            [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
                              // The client's EOF ends its input, not the replies
                              // queued for it (a client that shuts down its
                              // sending side after a batch still reads them).
                              if (ec == boost::asio::error::eof) return self->close_after_output();
                              if (ec) return self->close();
                              self->consume(n);
                              self->read();
                            });
  }

  void write_next() {
    if (out_.empty() || closed_) {
      writing_ = false;
      if (close_after_output_) close();
      return;
    }
    writing_ = true;
    boost::asio::async_write(socket_, boost::asio::buffer(out_.front()),
                             [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
                               if (ec || self->closed_) {
                                 // Closed meanwhile (e.g. the client's EOF was read
                                 // while this write was completing): out_ may not
                                 // be popped, close() emptied it before this fix.
                                 self->writing_ = false;
                                 self->out_.clear();
                                 return self->close();
                               }
                               self->pending_bytes_ -= n;
                               self->out_.pop_front();
                               self->write_next();
                             });
  }

  // Framing: a message ends where its outermost object or array closes, or at
  // a newline outside any (a line of garbage), or at a raw newline inside a
  // string (never valid JSON). Whitespace between messages is skipped.
  void consume(size_t n) {
    for (size_t i = 0; i < n && !closed_ && !close_after_output_; ++i) {
      const char c = in_[i];
      bool end = false;
      if (in_string_) {
        if (escape_) {
          escape_ = false;
        } else if (c == '\\') {
          escape_ = true;
        } else if (c == '"') {
          in_string_ = false;
        } else if (c == '\n') {
          end = true;
        }
      } else if (c == '"') {
        in_string_ = true;
      } else if (c == '{' || c == '[') {
        ++depth_;
      } else if (c == '}' || c == ']') {
        if (depth_ > 0 && --depth_ == 0) end = true;
      } else if (c == '\n' && depth_ == 0) {
        end = true;
      }
      if (message_.empty() && !end && (c == ' ' || c == '\t' || c == '\r' || c == '\n')) continue;
      if (!(end && c == '\n')) message_ += c;
      if (message_.size() > kMaxMessageBytes) {
        send(error_reply("GenericError", "message longer than " + std::to_string(kMaxMessageBytes) +
                                             " bytes; closing the connection"));
        message_.clear();
        close_after_output();
        return;
      }
      if (end) {
        std::string text;
        text.swap(message_);
        depth_ = 0;
        in_string_ = escape_ = false;
        if (text.find_first_not_of(" \t\r\n") != std::string::npos) handle(text);
      }
    }
  }

  void handle(const std::string& text) {
    const Json message = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    Json reply;
    if (message.is_discarded()) {
      reply = error_reply("GenericError", "JSON parse error: not a valid JSON object");
    } else {
      reply = server_.dispatch(message, negotiated_);
      if (message.is_object() && message.contains("id")) reply["id"] = message["id"];
    }
    send(reply);
  }

  QmpServer& server_;
  stream_protocol::socket socket_;
  std::array<char, 4096> in_{};
  std::string message_;
  int depth_ = 0;
  bool in_string_ = false;
  bool escape_ = false;
  std::deque<std::string> out_;
  size_t pending_bytes_ = 0;
  bool writing_ = false;
  bool negotiated_ = false;
  bool close_after_output_ = false;
  bool closed_ = false;
};

QmpServer::QmpServer(boost::asio::io_context& io, std::string path, Json version)
    : io_(io), path_(std::move(path)), version_(std::move(version)), acceptor_(io) {
  const int fd = create_control_socket(path_);
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0) {
    dev_ = st.st_dev;
    ino_ = st.st_ino;
  }
  boost::system::error_code ec;
  acceptor_.assign(stream_protocol(), fd, ec);
  if (ec) {
    ::close(fd);
    unlink_socket();
    throw std::runtime_error("--control " + path_ + ": " + ec.message());
  }
  add_command("query-commands", [this](const Json&) {
    Json list = Json::array();
    list.push_back({{"name", "qmp_capabilities"}});
    for (const auto& [name, handler] : commands_) list.push_back({{"name", name}});
    return list;
  });
  accept();
}

QmpServer::~QmpServer() { close_now(); }

void QmpServer::add_command(const std::string& name, Handler handler) { commands_[name] = std::move(handler); }

size_t QmpServer::client_count() const { return clients_.size(); }

void QmpServer::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, stream_protocol::socket socket) {
    if (closed_) return;
    if (!ec) {
      auto client = std::make_shared<Client>(*this, std::move(socket));
      clients_.insert(client);
      if (clients_.size() > kMaxClients) {
        client->send(error_reply("GenericError", "too many control connections (at most " +
                                                     std::to_string(kMaxClients) + ")"));
        client->close_after_output();
      } else {
        client->start(Json{{"QMP", {{"version", version_}, {"capabilities", Json::array()}}}});
      }
    } else if (ec == boost::asio::error::operation_aborted) {
      return;
    } else if (ec == boost::asio::error::no_descriptors || ec == boost::asio::error::no_buffer_space) {
      // Out of fds: try again later rather than spin.
      auto timer = std::make_shared<boost::asio::steady_timer>(io_, std::chrono::milliseconds(100));
      timer->async_wait([this, timer](const boost::system::error_code&) {
        if (!closed_) accept();
      });
      return;
    }
    accept();
  });
}

Json QmpServer::dispatch(const Json& message, bool& negotiated) {
  if (!message.is_object()) return error_reply("GenericError", "QMP input must be a JSON object");
  const auto execute = message.find("execute");
  if (execute == message.end()) return error_reply("GenericError", "QMP input lacks member 'execute'");
  if (!execute->is_string()) return error_reply("GenericError", "QMP input member 'execute' must be a string");
  Json arguments = Json::object();
  if (const auto a = message.find("arguments"); a != message.end()) {
    if (!a->is_object()) return error_reply("GenericError", "QMP input member 'arguments' must be an object");
    arguments = *a;
  }
  for (const auto& [key, value] : message.items()) {
    if (key != "execute" && key != "arguments" && key != "id") {
      return error_reply("GenericError", "QMP input member '" + key + "' is unexpected");
    }
  }
  const std::string name = execute->get<std::string>();
  if (!negotiated) {
    if (name != "qmp_capabilities") {
      return error_reply("CommandNotFound", "Expecting capabilities negotiation with 'qmp_capabilities'");
    }
    negotiated = true;
    return Json{{"return", Json::object()}};
  }
  if (name == "qmp_capabilities") {
    return error_reply("CommandNotFound", "Capabilities negotiation is already complete, command ignored");
  }
  const auto command = commands_.find(name);
  if (command == commands_.end()) return error_reply("CommandNotFound", "The command " + name + " has not been found");
  if (refusing_ && name != "query-status") return error_reply("GenericError", "zvmm is shutting down");
  try {
    return Json{{"return", command->second(arguments)}};
  } catch (const CommandError& e) {
    return error_reply(e.cls(), e.what());
  } catch (const Json::exception& e) {
    return error_reply("GenericError", std::string("invalid arguments: ") + e.what());
  } catch (const std::exception& e) {
    return error_reply("GenericError", e.what());
  }
}

void QmpServer::emit_event(const std::string& name, Json data) {
  Json event{{"event", name}, {"data", std::move(data)}, {"timestamp", event_timestamp()}};
  boost::asio::post(io_, [this, event = std::move(event)] {
    if (closed_) return;
    const auto clients = clients_;  // send() may close (and erase) a client
    for (const auto& c : clients) {
      if (c->negotiated()) c->send(event);
    }
  });
}

void QmpServer::refuse_commands() {
  auto done = std::make_shared<std::promise<void>>();
  auto result = done->get_future();
  boost::asio::post(io_, [this, done] {
    refusing_ = true;
    done->set_value();
  });
  // Bounded: a loop that died (device-thread error) must not hold up the exit.
  result.wait_for(std::chrono::seconds(2));
}

void QmpServer::close(const std::string& event, Json data, int timeout_ms) {
  if (!event.empty()) emit_event(event, std::move(data));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    auto idle = std::make_shared<std::promise<bool>>();
    auto result = idle->get_future();
    boost::asio::post(io_, [this, idle] {
      bool all = true;
      for (const auto& c : clients_) all = all && c->idle();
      idle->set_value(all);
    });
    if (result.wait_until(deadline) != std::future_status::ready) break;
    if (result.get()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto closed = std::make_shared<std::promise<void>>();
  auto result = closed->get_future();
  boost::asio::post(io_, [this, closed] {
    close_now();
    closed->set_value();
  });
  if (result.wait_for(std::chrono::seconds(2)) != std::future_status::ready) unlink_socket();
}

void QmpServer::close_now() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ec;
  acceptor_.close(ec);
  const auto clients = clients_;
  for (const auto& c : clients) c->close();
  clients_.clear();
  unlink_socket();
}

void QmpServer::unlink_socket() {
  struct stat st {};
  // Only our socket: another zvmm may have replaced a path we no longer hold.
  if (::lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_) ::unlink(path_.c_str());
}

}  // namespace zvmm::control

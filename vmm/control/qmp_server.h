// The control socket's protocol layer: a Unix socket speaking the shape of
// QEMU's QMP (docs/usage.md "Control socket"), served on an io_context (zvmm's
// EventLoop). It knows nothing about disks or VMs: commands are handlers
// registered by name (vmm/control/control_commands.h adds zvmm's).
//
// Wire: each message is one JSON object. A message ends at the newline after
// it or where its outermost object closes (so clients that send objects
// without newlines work too). On connect the server sends
//   {"QMP": {"version": {...}, "capabilities": []}}
// and accepts only {"execute": "qmp_capabilities"} first (anything else:
// error class CommandNotFound, as QEMU). Then
//   {"execute": NAME, "arguments": {...}, "id": ANY}
// gets {"return": ..., "id": ANY} or {"error": {"class", "desc"}, "id": ANY}.
// Events {"event", "data", "timestamp": {"seconds", "microseconds"}} go to
// every client past negotiation.
//
// Robustness: malformed JSON gets a GenericError reply and the connection
// stays; a message longer than kMaxMessageBytes gets an error and the
// connection is closed; at most kMaxClients connections (more are told so and
// closed). A client that does not read its replies is closed once
// kMaxPendingOutput bytes wait for it. Nothing a client sends reaches the
// guest or throws out of the loop.
//
// Threading: everything runs on the io_context's thread, handlers included;
// emit_event() and the shutdown calls may be called from any thread.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>

namespace zvmm::control {

using Json = nlohmann::json;

inline constexpr size_t kMaxMessageBytes = 64 * 1024;
inline constexpr size_t kMaxClients = 64;
inline constexpr size_t kMaxPendingOutput = 4 * 1024 * 1024;

// Thrown by a handler: becomes {"error": {"class": cls, "desc": desc}}.
class CommandError : public std::runtime_error {
 public:
  explicit CommandError(const std::string& desc, std::string cls = "GenericError")
      : std::runtime_error(desc), cls_(std::move(cls)) {}
  const std::string& cls() const { return cls_; }

 private:
  std::string cls_;
};

// Creates the listening socket at `path` with mode 0600. A path that exists
// is replaced only if it is a socket nobody listens on (a stale one left by a
// killed zvmm); anything else throws std::runtime_error naming the path.
// Returns the listening fd.
int create_control_socket(const std::string& path);

class QmpServer {
 public:
  // Handler: arguments (an object, {} when absent) -> the return value.
  // Throws CommandError (or any std::exception: GenericError with what()).
  using Handler = std::function<Json(const Json& arguments)>;

  // Listens on `path` (create_control_socket) and starts accepting on `io`.
  QmpServer(boost::asio::io_context& io, std::string path, Json version);
  // Closes everything and removes the socket file (if it is still ours).
  // Call it on the io_context's thread or once that thread is gone.
  ~QmpServer();
  QmpServer(const QmpServer&) = delete;
  QmpServer& operator=(const QmpServer&) = delete;

  // Before the io_context runs (or on its thread).
  void add_command(const std::string& name, Handler handler);

  // Any thread: sends the event to every negotiated client.
  void emit_event(const std::string& name, Json data);
  // Any thread: from now on commands other than query-status fail with
  // "zvmm is shutting down"; returns once a command running at the time has
  // finished (the io_context must be running).
  void refuse_commands();
  // Any thread: emits `event` (if not empty), waits up to `timeout_ms` for
  // the clients to receive their output, closes every connection and the
  // listening socket, removes the socket file. Returns when done (the
  // io_context must be running).
  void close(const std::string& event, Json data, int timeout_ms = 1000);

  const std::string& path() const { return path_; }
  size_t client_count() const;  // io_context thread (tests)

 private:
  class Client;
  void accept();
  void close_now();
  Json dispatch(const Json& message, bool& negotiated);
  void unlink_socket();

  boost::asio::io_context& io_;
  std::string path_;
  Json version_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  std::map<std::string, Handler> commands_;
  std::set<std::shared_ptr<Client>> clients_;
  bool refusing_ = false;
  bool closed_ = false;
};

// {"seconds": S, "microseconds": US} of now (CLOCK_REALTIME), as QMP events.
Json event_timestamp();

}  // namespace zvmm::control

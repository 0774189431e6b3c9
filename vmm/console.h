// The host end of the guest console (COM1): where output goes (stdout, a file,
// nowhere) and whether stdin feeds the guest.
#pragma once

#include <termios.h>

#include <cstdint>
#include <optional>
#include <span>

#include "vmm/cli.h"
#include "base/unique_fd.h"

namespace zvmm {

class ConsoleOutput {
 public:
  // Opens file:PATH (created/truncated). Throws std::system_error.
  static ConsoleOutput open(const ConsoleConfig& config);
  // Writes to `fd`, which the caller keeps open (stdout, or a test's pipe).
  static ConsoleOutput to_fd(int fd) { return ConsoleOutput(fd); }

  // Writes everything before returning, retrying short writes and waiting while
  // a non-blocking descriptor is full (stdout can be non-blocking without zvmm
  // asking: a terminal's stdin and stdout usually share one open file
  // description, and Asio makes stdin non-blocking for ConsoleInput). Errors
  // (e.g. a closed pipe) drop the output rather than stop the guest.
  void write(std::span<const uint8_t> bytes) const;

 private:
  explicit ConsoleOutput(int fd, UniqueFd owned = UniqueFd()) : fd_(fd), owned_(std::move(owned)) {}
  int fd_ = -1;  // -1: discard
  UniqueFd owned_;
};

// Whether stdin can feed the guest: a terminal, a pipe or a socket (epoll-able;
// regular files and /dev/null are not).
bool stdin_is_interactive_or_pipe();

// While alive, puts the stdin terminal in non-canonical, no-echo mode (so keys
// reach the guest one at a time) and restores it afterwards. Ctrl-C still
// stops zvmm. Does nothing if stdin is not a terminal.
class TerminalRawMode {
 public:
  TerminalRawMode();
  TerminalRawMode(const TerminalRawMode&) = delete;
  TerminalRawMode& operator=(const TerminalRawMode&) = delete;
  ~TerminalRawMode();

 private:
  std::optional<termios> saved_;
};

}  // namespace zvmm

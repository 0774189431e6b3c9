#include "vmm/console.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace zvmm {

ConsoleOutput ConsoleOutput::open(const ConsoleConfig& config) {
  switch (config.kind) {
    case ConsoleConfig::Kind::kStdio:
      return to_fd(STDOUT_FILENO);
    case ConsoleConfig::Kind::kNone:
      return ConsoleOutput(-1);
    case ConsoleConfig::Kind::kFile: {
      UniqueFd fd(::open(config.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
      if (!fd) throw std::system_error(errno, std::generic_category(), "console file " + config.path);
      const int raw = fd.get();
      return ConsoleOutput(raw, std::move(fd));
    }
  }
  return ConsoleOutput(-1);
}

void ConsoleOutput::write(std::span<const uint8_t> bytes) const {
  if (fd_ < 0) return;
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n > 0) {
      bytes = bytes.subspan(static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // Full and non-blocking: wait for room, as a blocking write would.
      pollfd p{.fd = fd_, .events = POLLOUT, .revents = 0};
      if (::poll(&p, 1, -1) < 0 && errno != EINTR) return;
    } else {
      return;  // a closed pipe, a full disk...: drop the rest
    }
  }
}

bool stdin_is_interactive_or_pipe() {
  struct stat st {};
  if (fstat(STDIN_FILENO, &st) != 0) return false;
  return isatty(STDIN_FILENO) || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
}

TerminalRawMode::TerminalRawMode() {
  termios t{};
  if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &t) != 0) return;
  saved_ = t;
  t.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
  t.c_cc[VMIN] = 1;
  t.c_cc[VTIME] = 0;
  tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

TerminalRawMode::~TerminalRawMode() {
  if (saved_) tcsetattr(STDIN_FILENO, TCSANOW, &*saved_);
}

}  // namespace zvmm

// Retrying a system call that a signal interrupted (EINTR). The one helper for
// every such loop in zvmm (ioctl, read, write, poll, waitpid).
#pragma once

#include <cerrno>
#include <utility>

namespace zvmm {

// Calls f() until it does not fail with errno == EINTR; returns its last result
// (errno is left as f() set it when that result is an error, i.e. negative).
template <typename F>
auto retry_on_eintr(F&& f) -> decltype(f()) {
  for (;;) {
    auto r = f();
    if (!(r < 0 && errno == EINTR)) return r;
  }
}

}  // namespace zvmm

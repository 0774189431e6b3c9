#include "vmm/console.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <thread>
#include <vector>

#include "base/unique_fd.h"

namespace zvmm {
namespace {

struct Pipe {
  UniqueFd read_end, write_end;
};

Pipe make_pipe(int write_flags) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
  Pipe p{UniqueFd(fds[0]), UniqueFd(fds[1])};
  ::fcntl(p.write_end.get(), F_SETFL, ::fcntl(p.write_end.get(), F_GETFL) | write_flags);
  return p;
}

std::vector<uint8_t> pattern(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 7 + i / 251);
  return v;
}

// Reads until EOF, slowly at first so that the writer finds the pipe full.
std::vector<uint8_t> read_all_slowly(int fd) {
  std::vector<uint8_t> got;
  uint8_t buf[4096];
  for (int reads = 0;; ++reads) {
    if (reads < 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    got.insert(got.end(), buf, buf + n);
  }
  return got;
}

// A non-blocking stdout (it shares its file description with a terminal stdin
// that Asio made non-blocking) used to lose whatever did not fit in one write.
TEST(ConsoleOutputTest, NonBlockingDescriptorGetsEverything) {
  Pipe p = make_pipe(O_NONBLOCK);
  const std::vector<uint8_t> data = pattern(1 << 20);  // 16 times a pipe's capacity
  std::vector<uint8_t> got;
  std::thread reader([&] { got = read_all_slowly(p.read_end.get()); });
  ConsoleOutput::to_fd(p.write_end.get()).write(data);
  p.write_end.reset();
  reader.join();
  ASSERT_EQ(got.size(), data.size());
  EXPECT_EQ(got, data);
}

TEST(ConsoleOutputTest, ByteAtATimeOnABlockingDescriptor) {
  Pipe p = make_pipe(0);
  const std::vector<uint8_t> data = pattern(200'000);
  std::vector<uint8_t> got;
  std::thread reader([&] { got = read_all_slowly(p.read_end.get()); });
  const ConsoleOutput out = ConsoleOutput::to_fd(p.write_end.get());
  for (uint8_t b : data) out.write(std::span<const uint8_t>(&b, 1));  // as the UART does
  p.write_end.reset();
  reader.join();
  EXPECT_EQ(got, data);
}

TEST(ConsoleOutputTest, ClosedReaderDropsOutputWithoutBlocking) {
  std::signal(SIGPIPE, SIG_IGN);  // as zvmm's main does
  for (int flags : {0, O_NONBLOCK}) {
    Pipe p = make_pipe(flags);
    p.read_end.reset();
    ConsoleOutput::to_fd(p.write_end.get()).write(pattern(1 << 20));  // returns: EPIPE
  }
}

TEST(ConsoleOutputTest, NoneDiscards) {
  ConsoleConfig none;
  none.kind = ConsoleConfig::Kind::kNone;
  ConsoleOutput::open(none).write(pattern(10));
}

}  // namespace
}  // namespace zvmm

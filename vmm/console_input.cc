#include "vmm/console_input.h"

#include <unistd.h>

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <cerrno>
#include <chrono>
#include <system_error>

namespace zvmm {

ConsoleInput::ConsoleInput(boost::asio::io_context& context, int fd, Serial& serial)
    : input_(context), retry_(context), serial_(serial) {
  const int dup_fd = ::dup(fd);
  if (dup_fd < 0) throw std::system_error(errno, std::generic_category(), "dup(stdin)");
  input_.assign(dup_fd);
}

void ConsoleInput::start() { read_more(); }

void ConsoleInput::read_more() {
  const size_t room = std::min(serial_.input_room(), buffer_.size());
  if (room == 0) {
    retry_later();
    return;
  }
  input_.async_read_some(boost::asio::buffer(buffer_.data(), room),
                         [this](const boost::system::error_code& ec, size_t n) {
                           if (ec) return;  // EOF or closed: no more input
                           serial_.enqueue_input(std::span<const uint8_t>(buffer_.data(), n));
                           read_more();
                         });
}

void ConsoleInput::retry_later() {
  retry_.expires_after(std::chrono::milliseconds(10));
  retry_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) read_more();
  });
}

}  // namespace zvmm

// Feeds host stdin (a terminal or a pipe) into the guest's UART on the event
// loop, pausing while the UART's receive FIFO is full. Stops at end of input.
#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "devices/legacy/serial.h"

namespace zvmm {

class ConsoleInput {
 public:
  // Reads from a duplicate of `fd` (the caller keeps its own descriptor).
  ConsoleInput(boost::asio::io_context& context, int fd, Serial& serial);

  void start();

 private:
  void read_more();
  void retry_later();

  boost::asio::posix::stream_descriptor input_;
  boost::asio::steady_timer retry_;
  Serial& serial_;
  std::array<uint8_t, 4096> buffer_{};
};

}  // namespace zvmm

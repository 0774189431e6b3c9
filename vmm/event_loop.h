// The device thread: one Boost.Asio io_context run on its own thread for
// everything asynchronous that is not a vCPU exit: signals (SIGINT/SIGTERM),
// console input, timers, and the ioeventfds/irqfds of devices.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <functional>
#include <optional>
#include <thread>

namespace zvmm {

class EventLoop {
 public:
  EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;
  // Stops and joins.
  ~EventLoop();

  boost::asio::io_context& context() { return context_; }

  // Runs the io_context on a new thread until stop(). An exception escaping a
  // handler is passed to `on_error` and ends the loop.
  void start(std::function<void(const std::exception&)> on_error);
  // Stops the io_context and joins the thread. Idempotent.
  void stop();

 private:
  boost::asio::io_context context_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread thread_;
};

}  // namespace zvmm

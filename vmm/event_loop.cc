#include "vmm/event_loop.h"

namespace zvmm {

EventLoop::EventLoop() : work_(boost::asio::make_work_guard(context_)) {}

EventLoop::~EventLoop() { stop(); }

void EventLoop::start(std::function<void(const std::exception&)> on_error) {
  thread_ = std::thread([this, on_error = std::move(on_error)] {
    try {
      context_.run();
    } catch (const std::exception& e) {
      on_error(e);
    }
  });
}

void EventLoop::stop() {
  work_.reset();
  context_.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace zvmm

// A joinable thread with a stop eventfd: the body polls stop_fd() alongside its
// own descriptors and returns when it becomes readable. Destruction stops and
// joins (RAII). Exceptions must not escape the body.
#pragma once

#include <thread>
#include <utility>

#include "base/event_fd.h"

namespace zvmm::devices {

class WorkerThread {
 public:
  // `body(int stop_fd)` runs on the new thread. Throws std::system_error if
  // the thread or eventfd cannot be created.
  template <typename Body>
  explicit WorkerThread(Body body)
      : thread_([this, body = std::move(body)]() mutable { body(stop_.fd()); }) {}
  ~WorkerThread() { stop(); }
  WorkerThread(const WorkerThread&) = delete;
  WorkerThread& operator=(const WorkerThread&) = delete;

  void stop() {
    if (!thread_.joinable()) return;
    stop_.signal();
    thread_.join();
  }

 private:
  EventFd stop_;  // declared before thread_: it exists before the thread starts
  std::thread thread_;
};

}  // namespace zvmm::devices

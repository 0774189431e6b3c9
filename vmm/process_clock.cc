#include "vmm/process_clock.h"

namespace zvmm {

namespace {
const std::chrono::steady_clock::time_point kProcessStart = std::chrono::steady_clock::now();
}  // namespace

std::chrono::milliseconds time_since_process_start() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               kProcessStart);
}

}  // namespace zvmm

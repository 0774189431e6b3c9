#include "devices/legacy/exit_status_port.h"

#include <algorithm>

namespace zvmm {

void ExitStatusPort::read(uint64_t, std::span<uint8_t> data) {
  std::fill(data.begin(), data.end(), 0xff);
}

void ExitStatusPort::write(uint64_t offset, std::span<const uint8_t> data) {
  if (offset != 0 || data.empty()) return;
  on_exit_(data[0]);
}

}  // namespace zvmm

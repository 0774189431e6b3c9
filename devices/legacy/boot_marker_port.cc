#include "devices/legacy/boot_marker_port.h"

#include <algorithm>

#include "vmm/layout.h"

namespace zvmm {

void BootMarkerPort::read(uint64_t, std::span<uint8_t> data) {
  std::fill(data.begin(), data.end(), 0xff);
}

void BootMarkerPort::write(uint64_t offset, std::span<const uint8_t> data) {
  if (offset != 0 || data.size() != 1 || data[0] != layout::kBootMarkerValue) return;
  if (!seen_.exchange(true)) on_marker_();
}

}  // namespace zvmm

#include "devices/legacy/status_page.h"

#include <algorithm>

#include "vmm/layout.h"

namespace zvmm {

void StatusPage::read(uint64_t offset, std::span<uint8_t> data) {
  std::fill(data.begin(), data.end(), 0);
  if (data.size() == 1 && offset == kExitAckOffset && exit_written_.load()) data[0] = kExitAckValue;
}

void StatusPage::write(uint64_t offset, std::span<const uint8_t> data) {
  if (data.size() != 1) return;
  if (offset == kExitStatusOffset) {
    on_exit_(data[0]);
    exit_written_.store(true);
  } else if (offset == kBootMarkerOffset && data[0] == layout::kBootMarkerValue) {
    on_boot_marker_();
  }
}

}  // namespace zvmm

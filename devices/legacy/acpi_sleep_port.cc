#include "devices/legacy/acpi_sleep_port.h"

#include <algorithm>

namespace zvmm {

void AcpiSleepPort::read(uint64_t, std::span<uint8_t> data) { std::fill(data.begin(), data.end(), 0); }

void AcpiSleepPort::write(uint64_t offset, std::span<const uint8_t> data) {
  if (offset != 0 || data.empty()) return;
  const uint8_t v = data[0];
  const uint8_t type = (v >> kSleepTypeShift) & kSleepTypeMask;
  if ((v & kSleepEnable) && type == kSleepTypeS5) on_power_off_();
}

}  // namespace zvmm

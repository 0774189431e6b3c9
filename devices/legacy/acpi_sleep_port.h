// The hardware-reduced ACPI sleep control and status registers, both at
// layout::kAcpiSleepPort (the FADT points there). Linux powers off by writing
// SLP_TYP = 5 (the \_S5 value in the DSDT) with SLP_EN; that calls
// `on_power_off`. Reads return 0 (no wake status).
#pragma once

#include <cstdint>
#include <functional>

#include "vmm/bus.h"

namespace zvmm {

class AcpiSleepPort : public BusDevice {
 public:
  static constexpr uint8_t kSleepEnable = 1u << 5;
  static constexpr uint8_t kSleepTypeShift = 2;
  static constexpr uint8_t kSleepTypeMask = 0x7;
  static constexpr uint8_t kSleepTypeS5 = 5;

  explicit AcpiSleepPort(std::function<void()> on_power_off) : on_power_off_(std::move(on_power_off)) {}

  void read(uint64_t offset, std::span<uint8_t> data) override;
  void write(uint64_t offset, std::span<const uint8_t> data) override;

 private:
  std::function<void()> on_power_off_;
};

}  // namespace zvmm

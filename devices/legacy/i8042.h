// The PS/2 controller, reduced to what a headless guest touches: the command
// byte (CTR) round trip and self-tests Linux's i8042 probe performs, and the
// CPU reset line (command 0xFE), which `reboot=k` uses. No keyboard or mouse is
// attached. Insert at layout::kI8042DataPort with size 5 so that offset 0 is the
// data port (0x60) and offset 4 the command/status port (0x64); port 0x61 is
// handled inside KVM's PIT and never reaches the bus.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>

#include "vmm/bus.h"

namespace zvmm {

class I8042 : public BusDevice {
 public:
  static constexpr uint64_t kDataOffset = 0;
  static constexpr uint64_t kCommandOffset = 4;
  static constexpr uint64_t kRangeSize = 5;

  // Controller commands.
  static constexpr uint8_t kCmdReadCtr = 0x20;
  static constexpr uint8_t kCmdWriteCtr = 0x60;
  static constexpr uint8_t kCmdSelfTest = 0xaa;
  static constexpr uint8_t kCmdKeyboardTest = 0xab;
  static constexpr uint8_t kCmdReadOutputPort = 0xd0;
  static constexpr uint8_t kCmdWriteOutputPort = 0xd1;
  static constexpr uint8_t kCmdPulseReset = 0xfe;

  // Status register bits.
  static constexpr uint8_t kStatusOutputFull = 0x01;
  static constexpr uint8_t kStatusSystemFlag = 0x04;
  static constexpr uint8_t kStatusCommand = 0x08;
  static constexpr uint8_t kStatusKeyboardUnlocked = 0x10;

  static constexpr uint8_t kSelfTestPassed = 0x55;

  // `on_reset` runs (on the vCPU thread) when the guest pulses the reset line.
  explicit I8042(std::function<void()> on_reset) : on_reset_(std::move(on_reset)) {}

  void read(uint64_t offset, std::span<uint8_t> data) override;
  void write(uint64_t offset, std::span<const uint8_t> data) override;

 private:
  void command(uint8_t cmd);
  void data_write(uint8_t value);

  std::function<void()> on_reset_;
  std::mutex mutex_;
  uint8_t ctr_ = 0x01;  // keyboard interrupt enabled, translation off
  uint8_t output_port_ = 0x01;  // bit 0: CPU not in reset
  std::optional<uint8_t> output_;
  std::optional<uint8_t> pending_command_;  // a command waiting for its data byte
  uint8_t last_command_ = 0;
};

}  // namespace zvmm

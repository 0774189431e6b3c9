#include "devices/legacy/i8042.h"

#include <algorithm>

namespace zvmm {

void I8042::read(uint64_t offset, std::span<uint8_t> data) {
  std::fill(data.begin(), data.end(), 0xff);
  if (data.size() != 1) return;
  std::lock_guard lock(mutex_);
  if (offset == kDataOffset) {
    data[0] = output_.value_or(0);
    output_.reset();
  } else if (offset == kCommandOffset) {
    data[0] = static_cast<uint8_t>(kStatusSystemFlag | kStatusKeyboardUnlocked |
                                   (output_ ? kStatusOutputFull : 0) |
                                   (pending_command_ ? kStatusCommand : 0));
  }
}

void I8042::write(uint64_t offset, std::span<const uint8_t> data) {
  if (data.size() != 1) return;
  bool reset = false;
  {
    std::lock_guard lock(mutex_);
    if (offset == kCommandOffset) {
      // Commands 0xf0..0xff pulse output-port lines; bit 0 clear pulses CPU reset.
      reset = data[0] >= 0xf0 && (data[0] & 0x01) == 0;
      if (!reset) command(data[0]);
    } else if (offset == kDataOffset) {
      if (pending_command_ == kCmdWriteOutputPort && (data[0] & 0x01) == 0) reset = true;
      data_write(data[0]);
    }
  }
  if (reset) on_reset_();
}

void I8042::command(uint8_t cmd) {
  last_command_ = cmd;
  pending_command_.reset();
  switch (cmd) {
    case kCmdReadCtr:
      output_ = ctr_;
      break;
    case kCmdWriteCtr:
    case kCmdWriteOutputPort:
      pending_command_ = cmd;
      break;
    case kCmdSelfTest:
      output_ = kSelfTestPassed;
      break;
    case kCmdKeyboardTest:
      output_ = 0x00;
      break;
    case kCmdReadOutputPort:
      output_ = output_port_;
      break;
    default:  // enable/disable ports and the like: accepted, nothing to do
      break;
  }
}

void I8042::data_write(uint8_t value) {
  if (pending_command_ == kCmdWriteCtr) {
    ctr_ = value;
  } else if (pending_command_ == kCmdWriteOutputPort) {
    output_port_ = value;
  }
  // Without a pending command the byte is for the keyboard, which is absent.
  pending_command_.reset();
}

}  // namespace zvmm

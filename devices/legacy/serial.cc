#include "devices/legacy/serial.h"

#include <algorithm>

namespace zvmm {

Serial::Serial(OutputSink output, IrqLine irq) : output_(std::move(output)), irq_(std::move(irq)) {}

void Serial::read(uint64_t offset, std::span<uint8_t> data) {
  std::fill(data.begin(), data.end(), 0xff);
  if (data.size() != 1 || offset >= kRegisterCount) return;
  std::lock_guard lock(mutex_);
  data[0] = read_register(offset);
  update_irq();
}

void Serial::write(uint64_t offset, std::span<const uint8_t> data) {
  if (data.size() != 1 || offset >= kRegisterCount) return;
  std::lock_guard lock(mutex_);
  write_register(offset, data[0]);
  update_irq();
}

size_t Serial::enqueue_input(std::span<const uint8_t> bytes) {
  std::lock_guard lock(mutex_);
  const size_t taken = std::min(bytes.size(), kInputCapacity - receive_fifo_.size());
  receive_fifo_.insert(receive_fifo_.end(), bytes.begin(), bytes.begin() + taken);
  update_irq();
  return taken;
}

size_t Serial::input_room() const {
  std::lock_guard lock(mutex_);
  return kInputCapacity - receive_fifo_.size();
}

Serial::TransmitActivity Serial::transmit_activity() const {
  std::lock_guard lock(mutex_);
  return {.last_activity = last_transmit_activity_,
          .bytes_transmitted = bytes_transmitted_,
          .thre_interrupt_pending = (interrupt_enable_ & kIerThrEmpty) && thr_empty_interrupt_};
}

uint8_t Serial::read_register(uint64_t offset) {
  const bool dlab = (line_control_ & kLcrDlab) != 0;
  switch (offset) {
    case kData:
      if (dlab) return divisor_low_;
      if (receive_fifo_.empty()) return 0;
      {
        const uint8_t byte = receive_fifo_.front();
        receive_fifo_.pop_front();
        return byte;
      }
    case kInterruptEnable:
      return dlab ? divisor_high_ : interrupt_enable_;
    case kInterruptId: {
      const uint8_t id = interrupt_id();
      // Reading IIR while it reports THRE acknowledges that interrupt.
      if (id == kIirThrEmpty) {
        thr_empty_interrupt_ = false;
        // The driver is about to refill THR (or stop transmitting): activity.
        last_transmit_activity_ = Clock::now();
      }
      return static_cast<uint8_t>(id | (fifo_enabled_ ? kIirFifoEnabled : 0));
    }
    case kLineControl:
      return line_control_;
    case kModemControl:
      return modem_control_;
    case kLineStatus:
      return static_cast<uint8_t>(kLsrThrEmpty | kLsrTransmitterEmpty |
                                  (receive_fifo_.empty() ? 0 : kLsrDataReady));
    case kModemStatus:
      return modem_status();
    case kScratch:
      return scratch_;
  }
  return 0xff;
}

void Serial::write_register(uint64_t offset, uint8_t value) {
  const bool dlab = (line_control_ & kLcrDlab) != 0;
  switch (offset) {
    case kData:
      if (dlab) {
        divisor_low_ = value;
        return;
      }
      if (modem_control_ & kMcrLoop) {
        if (receive_fifo_.size() < kInputCapacity) receive_fifo_.push_back(value);
      } else {
        output_(std::span<const uint8_t>(&value, 1));
        ++bytes_transmitted_;
      }
      last_transmit_activity_ = Clock::now();
      // The byte left at once: THR is empty again.
      thr_empty_interrupt_ = true;
      return;
    case kInterruptEnable:
      if (dlab) {
        divisor_high_ = value;
        return;
      }
      last_transmit_activity_ = Clock::now();
      // Enabling the THRE interrupt while THR is empty raises it.
      if ((value & kIerThrEmpty) && !(interrupt_enable_ & kIerThrEmpty)) {
        thr_empty_interrupt_ = true;
      }
      interrupt_enable_ = value & 0x0f;
      return;
    case kInterruptId:  // FCR
      fifo_enabled_ = (value & kFcrEnableFifo) != 0;
      if (value & kFcrClearReceive) receive_fifo_.clear();
      return;
    case kLineControl:
      line_control_ = value;
      return;
    case kModemControl:
      modem_control_ = value & 0x1f;
      return;
    case kScratch:
      scratch_ = value;
      return;
    default:  // LSR and MSR are read-only
      return;
  }
}

uint8_t Serial::interrupt_id() const {
  if ((interrupt_enable_ & kIerReceivedData) && !receive_fifo_.empty()) return kIirReceivedData;
  if ((interrupt_enable_ & kIerThrEmpty) && thr_empty_interrupt_) return kIirThrEmpty;
  return kIirNoInterrupt;
}

uint8_t Serial::modem_status() const {
  if (!(modem_control_ & kMcrLoop)) return kMsrDcd | kMsrDsr | kMsrCts;
  // Loopback: the modem outputs drive the modem inputs.
  uint8_t msr = 0;
  if (modem_control_ & kMcrDtr) msr |= kMsrDsr;
  if (modem_control_ & kMcrRts) msr |= kMsrCts;
  if (modem_control_ & kMcrOut1) msr |= kMsrRi;
  if (modem_control_ & kMcrOut2) msr |= kMsrDcd;
  return msr;
}

void Serial::update_irq() {
  const bool level = interrupt_id() != kIirNoInterrupt;
  if (level == irq_level_) return;
  irq_level_ = level;
  irq_(level);
}

}  // namespace zvmm

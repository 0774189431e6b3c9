// A 16550A UART (the PC's COM1 at layout::kCom1Port, IRQ 4).
//
// Transmission is instantaneous: a byte written to THR goes straight to the
// output sink, so THR/TSR are always empty (LSR.THRE|TEMT) and the THRE
// interrupt re-arms right after each write. Received bytes queue in a software
// FIFO that the host side fills (enqueue_input) and the guest drains through
// RBR. Loopback mode (MCR.LOOP) routes THR to RBR and MCR to MSR, which Linux's
// 8250 probe checks. The interrupt output is a level: `set_irq(true)` while an
// enabled interrupt is pending, `set_irq(false)` when it clears; the VMM maps it
// to KVM_IRQ_LINE.
//
// transmit_activity() tells the VMM whether the guest is still sending: the
// time of the last transmit-side event (a THR write, an IER write, the guest
// acknowledging a THRE interrupt by reading IIR), the bytes sent so far, and
// whether a THRE interrupt is pending (Linux's 8250 driver keeps IER.THRE set
// while its transmit buffer holds bytes, so a pending THRE interrupt means
// "more to send"; it clears IER.THRE when the buffer is empty). The VMM uses it
// to let the guest's console drain before it stops (vmm/console_drain.h).
// Thread safe: vCPU threads and the console input thread use it
// concurrently; callbacks run with the UART's lock held and must not call back.
#pragma once

#include <cstddef>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <span>

#include "vmm/bus.h"

namespace zvmm {

class Serial : public BusDevice {
 public:
  using OutputSink = std::function<void(std::span<const uint8_t>)>;
  using IrqLine = std::function<void(bool level)>;

  // Register offsets from the base port.
  enum Register : uint64_t {
    kData = 0,          // RBR (read) / THR (write); DLL when LCR.DLAB
    kInterruptEnable = 1,  // IER; DLM when LCR.DLAB
    kInterruptId = 2,   // IIR (read) / FCR (write)
    kLineControl = 3,   // LCR
    kModemControl = 4,  // MCR
    kLineStatus = 5,    // LSR
    kModemStatus = 6,   // MSR
    kScratch = 7,       // SCR
  };
  static constexpr uint64_t kRegisterCount = 8;

  // IER bits.
  static constexpr uint8_t kIerReceivedData = 0x01;
  static constexpr uint8_t kIerThrEmpty = 0x02;
  // IIR values.
  static constexpr uint8_t kIirNoInterrupt = 0x01;
  static constexpr uint8_t kIirThrEmpty = 0x02;
  static constexpr uint8_t kIirReceivedData = 0x04;
  static constexpr uint8_t kIirFifoEnabled = 0xc0;
  // FCR bits.
  static constexpr uint8_t kFcrEnableFifo = 0x01;
  static constexpr uint8_t kFcrClearReceive = 0x02;
  // LCR bits.
  static constexpr uint8_t kLcrDlab = 0x80;
  // MCR bits.
  static constexpr uint8_t kMcrDtr = 0x01, kMcrRts = 0x02, kMcrOut1 = 0x04, kMcrOut2 = 0x08;
  static constexpr uint8_t kMcrLoop = 0x10;
  // LSR bits.
  static constexpr uint8_t kLsrDataReady = 0x01;
  static constexpr uint8_t kLsrThrEmpty = 0x20;
  static constexpr uint8_t kLsrTransmitterEmpty = 0x40;
  // MSR bits.
  static constexpr uint8_t kMsrCts = 0x10, kMsrDsr = 0x20, kMsrRi = 0x40, kMsrDcd = 0x80;

  // Bytes the software receive FIFO holds before enqueue_input() refuses more.
  static constexpr size_t kInputCapacity = 64 * 1024;

  Serial(OutputSink output, IrqLine irq);

  void read(uint64_t offset, std::span<uint8_t> data) override;
  void write(uint64_t offset, std::span<const uint8_t> data) override;

  // Host side: queues bytes for the guest to read. Returns how many were taken
  // (fewer than offered when the FIFO is full).
  size_t enqueue_input(std::span<const uint8_t> bytes);
  // Free space in the receive FIFO.
  size_t input_room() const;

  using Clock = std::chrono::steady_clock;
  struct TransmitActivity {
    Clock::time_point last_activity;  // construction time until the first event
    uint64_t bytes_transmitted = 0;   // THR writes outside loopback mode
    bool thre_interrupt_pending = false;  // enabled and not yet acknowledged
  };
  TransmitActivity transmit_activity() const;

 private:
  uint8_t read_register(uint64_t offset);
  void write_register(uint64_t offset, uint8_t value);
  uint8_t interrupt_id() const;
  uint8_t modem_status() const;
  void update_irq();

  OutputSink output_;
  IrqLine irq_;

  mutable std::mutex mutex_;
  std::deque<uint8_t> receive_fifo_;
  uint8_t interrupt_enable_ = 0;
  uint8_t line_control_ = 0x03;  // 8N1
  uint8_t modem_control_ = kMcrOut2;
  uint8_t scratch_ = 0;
  uint8_t divisor_low_ = 0x0c;  // 9600 baud
  uint8_t divisor_high_ = 0;
  bool fifo_enabled_ = false;
  bool thr_empty_interrupt_ = false;
  bool irq_level_ = false;
  Clock::time_point last_transmit_activity_ = Clock::now();
  uint64_t bytes_transmitted_ = 0;
};

}  // namespace zvmm

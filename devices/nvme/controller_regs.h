// The NVMe controller register file: BAR0 offsets 000h..FFFh (the controller
// properties of NVMe Base Specification 2.0, section 3.1, "Offset 0h: CAP" to
// "Offset 30h: ACQ") and the state machine behind CC and CSTS: enable (CC.EN
// 0->1), controller reset (CC.EN 1->0) and shutdown (CC.SHN). Also the
// doorbell offsets above 1000h (NVMe over PCIe Transport Specification:
// SQyTDBL = 1000h + (2y)(4 << CAP.DSTRD), CQyHDBL = 1000h + (2y+1)(4 << CAP.DSTRD)).
// The rules as zvmm implements them, and Linux's use of each register, are in
// docs/nvme.md and /work/shared/notes/nvme-zns.md sections 1.2 to 1.5.
//
// Like the PRP walker this knows nothing about PCI: the owner (the controller
// model) feeds it the guest's BAR0 accesses below 1000h and acts on the events
// write() returns; the PCI wrapper routes doorbells and the MSI-X table.
//
// Registers (all little-endian; units in brackets):
//   00h CAP   (64, RO) MQES configurable (0's based [entries - 1]), CQR 1,
//                      AMS 0 (round robin only), TO configurable [500 ms],
//                      DSTRD 0 (4-byte doorbells), NSSRS 0, CSS bit 37 (NVM) and
//                      bit 43 (CSS bit 6, "I/O Command Sets supported": Linux
//                      writes CC.CSS = 110b only if it is set and otherwise drops
//                      the zoned namespace), BPS 0, CPS 0, MPSMIN 0 and MPSMAX 0
//                      (4 KiB pages only, as the PRP walker assumes), PMRS 0,
//                      CMBS 0, NSSS 0, CRMS 0.
//   08h VS    (RO)     1.4.0 (0x00010400), QEMU's.
//   0Ch INTMS (RW1S)   interrupt mask, one bit per vector; reads the mask.
//   10h INTMC (RW1C)   same mask, write 1 to clear; reads the mask. (Only
//                      meaningful for pin-based/MSI interrupts; the owner
//                      decides whether it uses them.)
//   14h CC    (RW)     EN 0, CSS 6:4, MPS 10:7, AMS 13:11, SHN 15:14, IOSQES
//                      19:16, IOCQES 23:20. Reserved bits (3:1, 31:24; CRIME
//                      bit 24 is reserved because CAP.CRMS is 0) read 0.
//   1Ch CSTS  (RO)     RDY 0, CFS 1, SHST 3:2. NSSRO and PP are always 0.
//   20h NSSR  (RO)     reads 0, writes ignored (CAP.NSSRS is 0).
//   24h AQA   (RW)     ASQS 11:0, ACQS 27:16 (0's based [entries - 1]);
//                      reserved bits read 0.
//   28h ASQ   (64, RW) admin SQ base [GPA]; 30h ACQ (64, RW) admin CQ base.
//                      Stored as written, bits 11:0 included (QEMU does the
//                      same), so that enable can refuse a queue that is not
//                      page aligned.
//   everything else below 1000h (CMB, BP, CRTO, PMR ...) reads 0 and ignores
//   writes.
//
// Access rules (the spec leaves other accesses undefined; these never throw):
//   - a 4-byte access at a 4-byte aligned offset reads/writes that register;
//   - an 8-byte access at an 8-byte aligned offset is two 4-byte accesses,
//     low dword first: one access to a 64-bit register (CAP, ASQ, ACQ), or to
//     two 32-bit registers;
//   - 64-bit registers may also be accessed as two 4-byte halves in either
//     order (Linux: lo_hi_readq/lo_hi_writeq, low first); a half write
//     changes only that half;
//   - any other access (1, 2, 3, 5..7 or more than 8 bytes, a misaligned
//     offset, past 1000h) reads as zero and is ignored on write. Zero, not all
//     ones: QEMU's NVMe model marks these "should RAZ", zvmm's MSI-X table does
//     the same, and Linux takes CSTS reading FFFFFFFFh for a removed device.
//   - writes to read-only registers (CAP, VS, CSTS, NSSR) and reserved bits
//     are ignored.
//
// CC while enabled: the spec's CC field descriptions say CSS, MPS and AMS
// shall only be changed while CC.EN is 0 (a host rule; what a controller does
// otherwise is not specified). zvmm keeps those three fields unchanged in any
// write while CC.EN is 1 and applies the rest of the write. IOSQES and IOCQES
// have no such rule (a host may set them after reading Identify Controller
// SQES/CQES, before it creates I/O queues), so they stay writable; the
// controller checks them when an I/O queue is created (QEMU: Create I/O CQ
// fails with 102h unless IOSQES 6 and IOCQES 4).
//
// State machine (CSTS changes only as listed):
//   CC.EN 0->1  enable checks, first failure wins (section 3.1 CC/CAP rules
//               and QEMU's nvme_start_ctrl):
//                 CAP.CSS & (1 << CC.CSS) != 0 (000b NVM or 110b all I/O sets);
//                 CAP.MPSMIN <= CC.MPS <= CAP.MPSMAX (so MPS 0, 4 KiB);
//                 CC.AMS supported by CAP.AMS (000b round robin only; zvmm's
//                   addition, QEMU does not check);
//                 ASQ and ACQ aligned to the 4 KiB memory page;
//                 AQA.ASQS != 0 and AQA.ACQS != 0 (at least 2 entries);
//                 CC.SHN == 00b (zvmm's addition: an enabling write must not
//                   also request a shutdown).
//               Pass: CSTS = RDY, write() returns EnableEvent with AQA/ASQ/ACQ
//               as they are now (the owner creates the admin queues from it).
//               Fail: CSTS = CFS (RDY 0), no event, enable_error() says why.
//               IOSQES/IOCQES are not checked here (see above). Either way
//               CSTS.SHST returns to 00b.
//   CC.EN 1->0  controller reset ("Controller Reset" in the spec: registers
//               back to their reset values except AQA, ASQ, ACQ): CC = 0,
//               CSTS = 0 (RDY 0, CFS 0, SHST 00b), INTMS = 0; write() returns
//               ResetEvent. The guest sees RDY 0 as soon as its CC write
//               completes, so the owner must have quiesced before it lets the
//               access complete: handle ResetEvent under the same lock as the
//               register accesses, and before unlocking stop every queue
//               (no further DMA, completions or interrupts from the old
//               queues; in-flight commands waited for or their completions
//               dropped) and delete all queues. A shutdown in progress is
//               abandoned (a later shutdown_complete() does nothing).
//   CC.SHN 00b->01b/10b while RDY (EN still 1, as Linux does it): CSTS.SHST =
//               01b (shutdown processing occurring), write() returns
//               ShutdownEvent; the owner stops taking commands, flushes the
//               disks and then calls shutdown_complete(): SHST = 10b. RDY and
//               EN stay 1; only a controller reset makes the controller
//               usable again. SHN 11b (reserved) counts as a normal shutdown.
//               One shutdown per enable: further SHN changes (to another
//               value, back to 00b and again) change nothing until a reset.
//   CC.SHN 00b->nonzero while not RDY (disabled, or enable failed): nothing
//               is running, so SHST = 10b at once, no event (QEMU too reports
//               completion at once).
//
// Threading: not thread-safe. The owner serialises all calls (one lock around
// register accesses, event handling and shutdown_complete()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace zvmm::nvme {

// Register offsets in BAR0 (bytes).
namespace reg {
inline constexpr uint32_t kCap = 0x00;    // Controller Capabilities (64)
inline constexpr uint32_t kVs = 0x08;     // Version
inline constexpr uint32_t kIntms = 0x0c;  // Interrupt Mask Set
inline constexpr uint32_t kIntmc = 0x10;  // Interrupt Mask Clear
inline constexpr uint32_t kCc = 0x14;     // Controller Configuration
inline constexpr uint32_t kCsts = 0x1c;   // Controller Status
inline constexpr uint32_t kNssr = 0x20;   // NVM Subsystem Reset
inline constexpr uint32_t kAqa = 0x24;    // Admin Queue Attributes
inline constexpr uint32_t kAsq = 0x28;    // Admin Submission Queue Base Address (64)
inline constexpr uint32_t kAcq = 0x30;    // Admin Completion Queue Base Address (64)
// Bytes of the register file; the doorbells start here.
inline constexpr uint32_t kRegisterFileBytes = 0x1000;
}  // namespace reg

// Field values and masks (the spec's names).
namespace cc {
inline constexpr uint32_t kEn = 1u << 0;
inline constexpr uint32_t kCssShift = 4, kCssMask = 0x7u << kCssShift;
inline constexpr uint32_t kMpsShift = 7, kMpsMask = 0xfu << kMpsShift;
inline constexpr uint32_t kAmsShift = 11, kAmsMask = 0x7u << kAmsShift;
inline constexpr uint32_t kShnShift = 14, kShnMask = 0x3u << kShnShift;
inline constexpr uint32_t kIosqesShift = 16, kIosqesMask = 0xfu << kIosqesShift;
inline constexpr uint32_t kIocqesShift = 20, kIocqesMask = 0xfu << kIocqesShift;
// CC.CSS values.
inline constexpr uint8_t kCssNvm = 0b000;
inline constexpr uint8_t kCssAllIoSets = 0b110;
inline constexpr uint8_t kCssAdminOnly = 0b111;
// CC.SHN values.
inline constexpr uint8_t kShnNone = 0b00;
inline constexpr uint8_t kShnNormal = 0b01;
inline constexpr uint8_t kShnAbrupt = 0b10;
}  // namespace cc

namespace csts {
inline constexpr uint32_t kRdy = 1u << 0;
inline constexpr uint32_t kCfs = 1u << 1;
inline constexpr uint32_t kShstShift = 2, kShstMask = 0x3u << kShstShift;
}  // namespace csts

// CSTS.SHST.
enum class ShutdownStatus : uint8_t {
  kNormal = 0b00,      // normal operation, no shutdown requested
  kOccurring = 0b01,   // shutdown processing occurring
  kComplete = 0b10,    // shutdown processing complete
};

// The configurable parts of CAP.
struct ControllerRegisterConfig {
  // CAP.MQES: largest I/O queue the host may create, in entries minus 1
  // (0's based), 1..65535. Linux uses min(MQES + 1, 1024) entries; 1023 gives
  // it exactly its default queue depth. (QEMU: 0x7FF.)
  uint16_t mqes = 1023;
  // CAP.TO: worst-case time the host waits for CSTS.RDY to change after
  // CC.EN does, in 500 ms units, 1..255. Linux waits (TO + 1) / 2 seconds.
  // 15 (7.5 s) is QEMU's.
  uint8_t timeout = 15;
};

// The admin queues as the host configured them (AQA, ASQ, ACQ) when it set
// CC.EN to 1. Both bases are 4 KiB aligned (the enable checks passed).
struct AdminQueueConfig {
  uint64_t sq_base = 0;     // ASQ [GPA]
  uint64_t cq_base = 0;     // ACQ [GPA]
  uint16_t sq_entries = 0;  // AQA.ASQS + 1 [entries], 2..4096
  uint16_t cq_entries = 0;  // AQA.ACQS + 1 [entries], 2..4096
  friend bool operator==(const AdminQueueConfig&, const AdminQueueConfig&) = default;
};

// CC.EN 0->1 passed the checks; CSTS.RDY is 1. The owner creates the admin
// SQ and CQ (queue id 0) and starts serving them.
struct EnableEvent {
  AdminQueueConfig admin;
  uint8_t css = 0;  // CC.CSS: cc::kCssNvm or cc::kCssAllIoSets
};
// CC.EN 1->0: controller reset. See the header comment: the owner must have
// quiesced and deleted every queue before the guest's access completes.
struct ResetEvent {};
// CC.SHN 00b -> nonzero while ready. The owner stops fetching commands,
// flushes, then calls shutdown_complete().
struct ShutdownEvent {
  bool abrupt = false;  // CC.SHN 10b (abrupt) rather than 01b (normal)
};
using ControllerEvent = std::variant<EnableEvent, ResetEvent, ShutdownEvent>;

// Why the last CC.EN 0->1 failed (CSTS.CFS is set).
struct EnableError {
  std::string_view what;  // the check that failed (static text), e.g. "ASQ is not page aligned"
  uint64_t value;         // the offending register or field value
  // "what (0x<value>)": for logs.
  std::string describe() const;
};

class ControllerRegisters {
 public:
  // Throws std::invalid_argument if config.mqes or config.timeout is 0 (a
  // configuration error, not a guest one).
  explicit ControllerRegisters(const ControllerRegisterConfig& config = {});

  // A guest read of data.size() bytes at BAR0 `offset`: fills all of `data`
  // (zeros where the access rules above say so). Never throws.
  void read(uint64_t offset, std::span<uint8_t> data) const;
  // A guest write at BAR0 `offset`. Returns what the owner must do, if
  // anything (only CC writes produce events; at most one per access). Never
  // throws.
  std::optional<ControllerEvent> write(uint64_t offset, std::span<const uint8_t> data);

  // The owner finished the shutdown it was told about: CSTS.SHST 01b -> 10b.
  // Returns false (and changes nothing) unless a shutdown is occurring, e.g.
  // when a controller reset abandoned it.
  bool shutdown_complete();

  // The controller cannot continue (a guest protocol violation it cannot
  // recover from, e.g. admin queues outside guest RAM at enable or an admin
  // CQ head doorbell past the entries posted): CSTS.CFS = 1. RDY and SHST are
  // left as they are; Linux resets the controller when it sees CFS. Cleared
  // by a controller reset (CC.EN 1->0), a successful enable or reset().
  // Never throws.
  void set_fatal() { csts_ |= csts::kCfs; }
  bool fatal() const { return csts_ & csts::kCfs; }

  // Power-on values for every register, AQA/ASQ/ACQ included (a PCI
  // function-level reset or a VM reset; the owner, which asks for it, tears
  // its queues down itself). No event.
  void reset();

  // Current values, for the owner and tests.
  uint64_t cap() const { return cap_; }
  uint32_t cc() const { return cc_; }
  uint32_t csts() const { return csts_; }
  uint32_t intms() const { return intms_; }  // the interrupt mask (INTMS/INTMC)
  uint32_t aqa() const { return aqa_; }
  uint64_t asq() const { return asq_; }
  uint64_t acq() const { return acq_; }
  bool enabled() const { return cc_ & cc::kEn; }
  bool ready() const { return csts_ & csts::kRdy; }
  ShutdownStatus shutdown_status() const {
    return static_cast<ShutdownStatus>((csts_ & csts::kShstMask) >> csts::kShstShift);
  }
  // CC.IOSQES / CC.IOCQES: log2 of the I/O SQ / CQ entry size in bytes (Linux:
  // 6 and 4). Checked by the controller at Create I/O SQ / CQ.
  uint8_t iosqes() const { return (cc_ & cc::kIosqesMask) >> cc::kIosqesShift; }
  uint8_t iocqes() const { return (cc_ & cc::kIocqesMask) >> cc::kIocqesShift; }
  // Why the last enable failed; reset by a controller reset or a successful
  // enable.
  const std::optional<EnableError>& enable_error() const { return enable_error_; }

 private:
  uint32_t read32(uint32_t offset) const;
  std::optional<ControllerEvent> write32(uint32_t offset, uint32_t value);
  std::optional<ControllerEvent> write_cc(uint32_t value);
  std::optional<EnableError> check_enable() const;
  void set_shst(ShutdownStatus s);

  uint64_t cap_;
  uint32_t cc_ = 0;
  uint32_t csts_ = 0;
  uint32_t intms_ = 0;
  uint32_t aqa_ = 0;
  uint64_t asq_ = 0;
  uint64_t acq_ = 0;
  std::optional<EnableError> enable_error_;
};

// The value CAP has for `config` (see the table above).
uint64_t capabilities(const ControllerRegisterConfig& config);

inline constexpr uint32_t kVersion = 0x00010400;  // VS: NVMe 1.4.0

// --- Doorbells (BAR0 offsets >= 1000h), with CAP.DSTRD 0: 4-byte registers,
// SQ y tail at 1000h + 8y, CQ y head at 1000h + 8y + 4. Queue 0 is the admin
// queue pair; I/O queue pairs are 1..N. Each is written as a 32-bit value
// whose low 16 bits are the new tail/head (the owner checks it against the
// queue size).

inline constexpr uint64_t kDoorbellBase = reg::kRegisterFileBytes;
inline constexpr uint64_t kDoorbellBytes = 4;  // 4 << CAP.DSTRD

constexpr uint64_t sq_tail_doorbell(uint16_t qid) {
  return kDoorbellBase + 2 * uint64_t{qid} * kDoorbellBytes;
}
constexpr uint64_t cq_head_doorbell(uint16_t qid) {
  return kDoorbellBase + (2 * uint64_t{qid} + 1) * kDoorbellBytes;
}
// First BAR0 offset after the doorbells of queues 0..io_queue_pairs.
constexpr uint64_t doorbells_end(uint16_t io_queue_pairs) {
  return kDoorbellBase + 2 * (uint64_t{io_queue_pairs} + 1) * kDoorbellBytes;
}

struct Doorbell {
  enum Kind : uint8_t { kSqTail, kCqHead };
  uint16_t qid = 0;
  Kind kind = kSqTail;
  friend bool operator==(const Doorbell&, const Doorbell&) = default;
};

// The doorbell a guest access of `size` bytes at BAR0 `offset` writes, for a
// controller with `io_queue_pairs` I/O queue pairs; nullopt unless it is a
// 4-byte access at a doorbell of queue 0..io_queue_pairs (below 1000h, past
// the configured queues, misaligned or another size). Whether that queue
// exists right now is the controller's to check (QEMU ignores the write and,
// with an AER outstanding, posts an "Invalid Doorbell Register" event).
std::optional<Doorbell> decode_doorbell(uint64_t offset, size_t size, uint16_t io_queue_pairs);

}  // namespace zvmm::nvme

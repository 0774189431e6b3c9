#include "devices/nvme/controller_regs.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "base/le.h"

namespace zvmm::nvme {

namespace {

// CAP fields (bit positions in the 64-bit register).
constexpr uint64_t kCapCqr = uint64_t{1} << 16;
constexpr int kCapToShift = 24;
constexpr uint64_t kCapCssNvm = uint64_t{1} << 37;      // CSS bit 0
constexpr uint64_t kCapCssIoSets = uint64_t{1} << 43;   // CSS bit 6
constexpr int kCapCssShift = 37;
constexpr int kCapMpsminShift = 48;
constexpr int kCapMpsmaxShift = 52;
constexpr int kCapAmsShift = 17;

// CC bits the host can set (the rest is reserved, CRIME included).
constexpr uint32_t kCcWritable = cc::kEn | cc::kCssMask | cc::kMpsMask | cc::kAmsMask |
                                 cc::kShnMask | cc::kIosqesMask | cc::kIocqesMask;
// CC fields frozen while CC.EN is 1.
constexpr uint32_t kCcFrozenWhileEnabled = cc::kCssMask | cc::kMpsMask | cc::kAmsMask;

// AQA: ASQS 11:0, ACQS 27:16.
constexpr uint32_t kAqaAsqsMask = 0xfff;
constexpr uint32_t kAqaAcqsShift = 16;
constexpr uint32_t kAqaMask = kAqaAsqsMask | (kAqaAsqsMask << kAqaAcqsShift);

constexpr uint64_t kPageMask = 4096 - 1;  // CC.MPS 0

uint32_t field(uint32_t v, uint32_t mask, uint32_t shift) { return (v & mask) >> shift; }

}  // namespace

std::string EnableError::describe() const {
  char buf[32];
  std::snprintf(buf, sizeof buf, " (0x%llx)", static_cast<unsigned long long>(value));
  return std::string(what) + buf;
}

uint64_t capabilities(const ControllerRegisterConfig& config) {
  return uint64_t{config.mqes} | kCapCqr | uint64_t{config.timeout} << kCapToShift |
         kCapCssNvm | kCapCssIoSets;
  // DSTRD, NSSRS, BPS, CPS, MPSMIN, MPSMAX, PMRS, CMBS, NSSS, CRMS, AMS: 0.
}

ControllerRegisters::ControllerRegisters(const ControllerRegisterConfig& config)
    : cap_(capabilities(config)) {
  if (config.mqes == 0) {
    throw std::invalid_argument("NVMe CAP.MQES must be at least 1 (2 entries per queue)");
  }
  if (config.timeout == 0) {
    throw std::invalid_argument("NVMe CAP.TO must be at least 1 (500 ms)");
  }
}

void ControllerRegisters::read(uint64_t offset, std::span<uint8_t> data) const {
  std::fill(data.begin(), data.end(), 0);
  const size_t size = data.size();
  if ((size != 4 && size != 8) || offset >= reg::kRegisterFileBytes ||
      size > reg::kRegisterFileBytes - offset || offset % size != 0) {
    return;
  }
  const auto off = static_cast<uint32_t>(offset);
  store_le<uint32_t>(data, 0, read32(off));
  if (size == 8) store_le<uint32_t>(data, 4, read32(off + 4));
}

std::optional<ControllerEvent> ControllerRegisters::write(uint64_t offset,
                                                          std::span<const uint8_t> data) {
  const size_t size = data.size();
  if ((size != 4 && size != 8) || offset >= reg::kRegisterFileBytes ||
      size > reg::kRegisterFileBytes - offset || offset % size != 0) {
    return std::nullopt;
  }
  const auto off = static_cast<uint32_t>(offset);
  auto event = write32(off, load_le<uint32_t>(data, 0));
  if (size == 8) {
    // Only CC produces events and it is one dword, so at most one of the
    // halves returns one.
    if (auto high = write32(off + 4, load_le<uint32_t>(data, 4))) event = high;
  }
  return event;
}

uint32_t ControllerRegisters::read32(uint32_t offset) const {
  switch (offset) {
    case reg::kCap: return static_cast<uint32_t>(cap_);
    case reg::kCap + 4: return static_cast<uint32_t>(cap_ >> 32);
    case reg::kVs: return kVersion;
    case reg::kIntms:
    case reg::kIntmc: return intms_;
    case reg::kCc: return cc_;
    case reg::kCsts: return csts_;
    case reg::kNssr: return 0;
    case reg::kAqa: return aqa_;
    case reg::kAsq: return static_cast<uint32_t>(asq_);
    case reg::kAsq + 4: return static_cast<uint32_t>(asq_ >> 32);
    case reg::kAcq: return static_cast<uint32_t>(acq_);
    case reg::kAcq + 4: return static_cast<uint32_t>(acq_ >> 32);
    default: return 0;  // reserved or not implemented
  }
}

std::optional<ControllerEvent> ControllerRegisters::write32(uint32_t offset, uint32_t value) {
  switch (offset) {
    case reg::kIntms: intms_ |= value; break;
    case reg::kIntmc: intms_ &= ~value; break;
    case reg::kCc: return write_cc(value);
    case reg::kAqa: aqa_ = value & kAqaMask; break;
    case reg::kAsq: asq_ = (asq_ & ~uint64_t{0xffffffff}) | value; break;
    case reg::kAsq + 4: asq_ = (asq_ & 0xffffffff) | uint64_t{value} << 32; break;
    case reg::kAcq: acq_ = (acq_ & ~uint64_t{0xffffffff}) | value; break;
    case reg::kAcq + 4: acq_ = (acq_ & 0xffffffff) | uint64_t{value} << 32; break;
    default: break;  // read-only (CAP, VS, CSTS, NSSR), reserved or not implemented
  }
  return std::nullopt;
}

void ControllerRegisters::set_shst(ShutdownStatus s) {
  csts_ = (csts_ & ~csts::kShstMask) | static_cast<uint32_t>(s) << csts::kShstShift;
}

std::optional<ControllerEvent> ControllerRegisters::write_cc(uint32_t value) {
  const uint32_t old = cc_;
  uint32_t next = value & kCcWritable;
  if (old & cc::kEn) next = (next & ~kCcFrozenWhileEnabled) | (old & kCcFrozenWhileEnabled);
  const bool was_enabled = old & cc::kEn;
  const bool enable = next & cc::kEn;

  if (was_enabled && !enable) {
    // Controller reset: everything but AQA, ASQ and ACQ back to reset values.
    cc_ = 0;
    csts_ = 0;
    intms_ = 0;
    enable_error_.reset();
    return ResetEvent{};
  }

  cc_ = next;
  if (!was_enabled && enable) {
    enable_error_ = check_enable();
    if (enable_error_) {
      csts_ = csts::kCfs;
      return std::nullopt;
    }
    csts_ = csts::kRdy;
    return EnableEvent{
        .admin = {.sq_base = asq_,
                  .cq_base = acq_,
                  .sq_entries = static_cast<uint16_t>((aqa_ & kAqaAsqsMask) + 1),
                  .cq_entries = static_cast<uint16_t>((aqa_ >> kAqaAcqsShift & kAqaAsqsMask) + 1)},
        .css = static_cast<uint8_t>(field(cc_, cc::kCssMask, cc::kCssShift)),
    };
  }

  // EN unchanged: a shutdown request is the only thing that acts.
  const uint32_t old_shn = field(old, cc::kShnMask, cc::kShnShift);
  const uint32_t shn = field(cc_, cc::kShnMask, cc::kShnShift);
  if (old_shn != cc::kShnNone || shn == cc::kShnNone ||
      shutdown_status() != ShutdownStatus::kNormal) {
    return std::nullopt;
  }
  if (!ready()) {
    // Disabled, or the enable failed: no queues, nothing to shut down.
    set_shst(ShutdownStatus::kComplete);
    return std::nullopt;
  }
  set_shst(ShutdownStatus::kOccurring);
  return ShutdownEvent{.abrupt = shn == cc::kShnAbrupt};
}

std::optional<EnableError> ControllerRegisters::check_enable() const {
  const uint32_t css = field(cc_, cc::kCssMask, cc::kCssShift);
  const uint32_t mps = field(cc_, cc::kMpsMask, cc::kMpsShift);
  const uint32_t ams = field(cc_, cc::kAmsMask, cc::kAmsShift);
  const uint32_t shn = field(cc_, cc::kShnMask, cc::kShnShift);
  const uint64_t cap_css = cap_ >> kCapCssShift & 0xff;
  const uint64_t mpsmin = cap_ >> kCapMpsminShift & 0xf;
  const uint64_t mpsmax = cap_ >> kCapMpsmaxShift & 0xf;
  const uint64_t cap_ams = cap_ >> kCapAmsShift & 0x3;  // bit 0: WRR, bit 1: vendor specific

  if (!(cap_css & (uint64_t{1} << css))) {
    return EnableError{"CC.CSS selects a command set CAP.CSS does not offer", css};
  }
  if (mps < mpsmin) return EnableError{"CC.MPS is below CAP.MPSMIN", mps};
  if (mps > mpsmax) return EnableError{"CC.MPS is above CAP.MPSMAX", mps};
  // AMS 000b (round robin) is always supported; 001b and 111b need CAP.AMS
  // bits 0 and 1; the rest is reserved.
  if (!(ams == 0b000 || (ams == 0b001 && (cap_ams & 1)) || (ams == 0b111 && (cap_ams & 2)))) {
    return EnableError{"CC.AMS selects an arbitration mechanism CAP.AMS does not offer", ams};
  }
  if (asq_ & kPageMask) return EnableError{"ASQ is not page aligned", asq_};
  if (acq_ & kPageMask) return EnableError{"ACQ is not page aligned", acq_};
  if ((aqa_ & kAqaAsqsMask) == 0) return EnableError{"AQA.ASQS is 0 (one entry)", aqa_};
  if ((aqa_ >> kAqaAcqsShift & kAqaAsqsMask) == 0) {
    return EnableError{"AQA.ACQS is 0 (one entry)", aqa_};
  }
  if (shn != cc::kShnNone) return EnableError{"CC.SHN requests a shutdown in the enabling write", shn};
  return std::nullopt;
}

bool ControllerRegisters::shutdown_complete() {
  if (shutdown_status() != ShutdownStatus::kOccurring) return false;
  set_shst(ShutdownStatus::kComplete);
  return true;
}

void ControllerRegisters::reset() {
  cc_ = 0;
  csts_ = 0;
  intms_ = 0;
  aqa_ = 0;
  asq_ = 0;
  acq_ = 0;
  enable_error_.reset();
}

std::optional<Doorbell> decode_doorbell(uint64_t offset, size_t size, uint16_t io_queue_pairs) {
  if (size != kDoorbellBytes || offset < kDoorbellBase || offset >= doorbells_end(io_queue_pairs) ||
      offset % kDoorbellBytes != 0) {
    return std::nullopt;
  }
  const uint64_t index = (offset - kDoorbellBase) / kDoorbellBytes;  // 2y or 2y + 1
  return Doorbell{.qid = static_cast<uint16_t>(index / 2),
                  .kind = index % 2 ? Doorbell::kCqHead : Doorbell::kSqTail};
}

}  // namespace zvmm::nvme

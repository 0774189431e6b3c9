#include "devices/nvme/features.h"

#include <algorithm>

#include "devices/nvme/identify.h"

namespace zvmm::nvme {
namespace {

constexpr uint32_t kArbitrationMask = 0xffffff07;  // AB 2:0, LPW, MPW, HPW
constexpr uint32_t kPowerManagementMask = 0xff;    // PS 4:0, WH 7:5
constexpr uint32_t kTlerMask = 0xffff;
constexpr uint32_t kDulbe = 1u << 16;
constexpr uint32_t kCoalescingMask = 0xffff;  // THR 7:0, TIME 15:8
constexpr uint32_t kCd = 1u << 16;
constexpr uint32_t kKasGranularityMs = 100;   // KAS 1
constexpr uint8_t kTmpselComposite = 0x0;
constexpr uint8_t kTmpselAll = 0xf;
constexpr uint8_t kThselOver = 0x0;
constexpr uint8_t kThselUnder = 0x1;
// Supported capabilities (SEL 011b) Dword 0 bit 2: changeable.
constexpr uint32_t kCapabilityChangeable = 1u << 2;

uint8_t tmpsel(uint32_t cdw11) { return (cdw11 >> 16) & 0xf; }
uint8_t thsel(uint32_t cdw11) { return (cdw11 >> 20) & 0x3; }

}  // namespace

FeatureStore::FeatureStore(const ControllerConfig& config, const AdminCapabilities& caps)
    : max_io_queues_(std::max<uint16_t>(config.max_io_queues, 1)),
      vectors_(static_cast<uint16_t>(std::min<uint32_t>(uint32_t{max_io_queues_} + 1, 0xffff))),
      has_vwc_(caps.volatile_write_cache),
      keep_alive_supported_(caps.keep_alive),
      aec_mask_(0xffu | (1u << 8) | (caps.zone_descriptor_changed_notices ? 1u << 27 : 0u)) {
  reset();
}

void FeatureStore::reset() {
  arbitration_ = 0;
  power_management_ = 0;
  temp_over_ = kWarningTemperatureK;
  temp_under_ = 0;
  error_recovery_ = 0;
  vwc_.store(has_vwc_, std::memory_order_relaxed);
  nsqa_ = ncqa_ = static_cast<uint16_t>(max_io_queues_ - 1);
  coalescing_.store(0, std::memory_order_relaxed);
  vector_cd_.assign(vectors_, false);
  write_atomicity_ = 0;
  aec_.store(0, std::memory_order_relaxed);
  kato_.store(0, std::memory_order_relaxed);
  iocs_profile_ = 0;
}

bool FeatureStore::supported(uint8_t fid) const {
  switch (fid) {
    case feature_id::kArbitration:
    case feature_id::kPowerManagement:
    case feature_id::kTemperatureThreshold:
    case feature_id::kErrorRecovery:
    case feature_id::kNumberOfQueues:
    case feature_id::kInterruptCoalescing:
    case feature_id::kInterruptVectorConfig:
    case feature_id::kWriteAtomicityNormal:
    case feature_id::kAsyncEventConfig:
    case feature_id::kIoCommandSetProfile:
      return true;
    case feature_id::kVolatileWriteCache:
      return has_vwc_;
    case feature_id::kKeepAliveTimer:
      return keep_alive_supported_;
    default:
      return false;
  }
}

bool FeatureStore::coalescing_disabled(uint16_t vector) const {
  if (vector == 0) return true;
  return vector < vector_cd_.size() && vector_cd_[vector];
}

Status FeatureStore::check_get_parameter(uint8_t fid, uint32_t cdw11) const {
  if (fid == feature_id::kTemperatureThreshold) {
    if (tmpsel(cdw11) != kTmpselComposite) return invalid_field();
    if (thsel(cdw11) != kThselOver && thsel(cdw11) != kThselUnder) return invalid_field();
  }
  if (fid == feature_id::kInterruptVectorConfig && (cdw11 & 0xffff) >= vectors_) return invalid_field();
  return Status::success();
}

uint32_t FeatureStore::current_value(uint8_t fid, uint32_t cdw11) const {
  switch (fid) {
    case feature_id::kArbitration: return arbitration_;
    case feature_id::kPowerManagement: return power_management_;
    case feature_id::kTemperatureThreshold:
      return thsel(cdw11) == kThselOver ? temp_over_ : temp_under_;
    case feature_id::kErrorRecovery: return error_recovery_;
    case feature_id::kVolatileWriteCache: return volatile_write_cache_enabled() ? 1 : 0;
    case feature_id::kNumberOfQueues: return (uint32_t{ncqa_} << 16) | nsqa_;
    case feature_id::kInterruptCoalescing: return coalescing_.load(std::memory_order_relaxed);
    case feature_id::kInterruptVectorConfig: {
      const uint16_t iv = cdw11 & 0xffff;
      return iv | (coalescing_disabled(iv) ? kCd : 0);
    }
    case feature_id::kWriteAtomicityNormal: return write_atomicity_;
    case feature_id::kAsyncEventConfig: return async_event_config();
    case feature_id::kKeepAliveTimer: return keep_alive_ms();
    case feature_id::kIoCommandSetProfile: return iocs_profile_;
    default: return 0;
  }
}

uint32_t FeatureStore::default_value(uint8_t fid, uint32_t cdw11) const {
  switch (fid) {
    case feature_id::kTemperatureThreshold:
      return thsel(cdw11) == kThselOver ? kWarningTemperatureK : 0;
    case feature_id::kVolatileWriteCache: return has_vwc_ ? 1 : 0;
    case feature_id::kNumberOfQueues: {
      const uint32_t n = max_io_queues_ - 1u;
      return (n << 16) | n;
    }
    case feature_id::kInterruptVectorConfig: {
      const uint16_t iv = cdw11 & 0xffff;
      return iv | (iv == 0 ? kCd : 0);
    }
    default: return 0;
  }
}

AdminReply FeatureStore::get(const Sqe& sqe) const {
  const uint32_t cdw10 = sqe.cdw(10), cdw11 = sqe.cdw(11);
  const uint8_t fid = cdw10 & 0xff;
  const uint8_t sel = (cdw10 >> 8) & 0x7;
  if (!supported(fid)) return AdminReply::error(invalid_field());
  switch (sel) {
    case feature_select::kCurrent:
    case feature_select::kDefault:
    case feature_select::kSaved: {
      if (Status s = check_get_parameter(fid, cdw11); !s.ok()) return AdminReply::error(s);
      return AdminReply::with_dw0(sel == feature_select::kCurrent ? current_value(fid, cdw11)
                                                                  : default_value(fid, cdw11));
    }
    case feature_select::kSupportedCapabilities:
      return AdminReply::with_dw0(kCapabilityChangeable);
    default:
      return AdminReply::error(invalid_field());
  }
}

AdminReply FeatureStore::set(const Sqe& sqe, bool io_queues_created) {
  const uint32_t cdw10 = sqe.cdw(10), cdw11 = sqe.cdw(11);
  const uint8_t fid = cdw10 & 0xff;
  const bool save = (cdw10 >> 31) != 0;
  if (!supported(fid)) return AdminReply::error(invalid_field());
  if (save) {
    return AdminReply::error(specific_status(CommandSpecificStatus::kFeatureIdentifierNotSaveable));
  }
  switch (fid) {
    case feature_id::kArbitration:
      arbitration_ = cdw11 & kArbitrationMask;
      return AdminReply::with_dw0(0);
    case feature_id::kPowerManagement:
      if ((cdw11 & 0x1f) != 0) return AdminReply::error(invalid_field());  // NPSS 0
      power_management_ = cdw11 & kPowerManagementMask;
      return AdminReply::with_dw0(0);
    case feature_id::kTemperatureThreshold: {
      const uint8_t sensor = tmpsel(cdw11), which = thsel(cdw11);
      if (sensor != kTmpselComposite && sensor != kTmpselAll) return AdminReply::error(invalid_field());
      if (which != kThselOver && which != kThselUnder) return AdminReply::error(invalid_field());
      (which == kThselOver ? temp_over_ : temp_under_) = cdw11 & 0xffff;
      return AdminReply::with_dw0(0);
    }
    case feature_id::kErrorRecovery:
      if (cdw11 & kDulbe) return AdminReply::error(invalid_field());
      error_recovery_ = cdw11 & kTlerMask;
      return AdminReply::with_dw0(0);
    case feature_id::kVolatileWriteCache:
      vwc_.store((cdw11 & 1) != 0, std::memory_order_relaxed);
      return AdminReply::with_dw0(0);
    case feature_id::kNumberOfQueues: {
      if (io_queues_created) {
        return AdminReply::error(Status::generic(GenericStatus::kCommandSequenceError));
      }
      const uint16_t nsqr = cdw11 & 0xffff, ncqr = cdw11 >> 16;
      if (nsqr == 0xffff || ncqr == 0xffff) return AdminReply::error(invalid_field());
      nsqa_ = std::min<uint16_t>(nsqr, max_io_queues_ - 1);
      ncqa_ = std::min<uint16_t>(ncqr, max_io_queues_ - 1);
      return AdminReply::with_dw0((uint32_t{ncqa_} << 16) | nsqa_);
    }
    case feature_id::kInterruptCoalescing:
      coalescing_.store(cdw11 & kCoalescingMask, std::memory_order_relaxed);
      return AdminReply::with_dw0(0);
    case feature_id::kInterruptVectorConfig: {
      const uint16_t iv = cdw11 & 0xffff;
      if (iv >= vectors_) return AdminReply::error(invalid_field());
      vector_cd_[iv] = (cdw11 & kCd) != 0;
      return AdminReply::with_dw0(0);
    }
    case feature_id::kWriteAtomicityNormal:
      write_atomicity_ = cdw11 & 1;
      return AdminReply::with_dw0(0);
    case feature_id::kAsyncEventConfig:
      aec_.store(cdw11 & aec_mask_, std::memory_order_relaxed);
      return AdminReply::with_dw0(0);
    case feature_id::kKeepAliveTimer: {
      const uint64_t rounded = (uint64_t{cdw11} + kKasGranularityMs - 1) / kKasGranularityMs * kKasGranularityMs;
      kato_.store(static_cast<uint32_t>(std::min<uint64_t>(rounded, 0xffffffffu / kKasGranularityMs * kKasGranularityMs)),
                  std::memory_order_relaxed);
      return AdminReply::with_dw0(0);
    }
    case feature_id::kIoCommandSetProfile:
      if ((cdw11 & 0x1ff) != 0) {
        return AdminReply::error(specific_status(CommandSpecificStatus::kIoCommandSetCombinationRejected));
      }
      iocs_profile_ = 0;
      return AdminReply::with_dw0(0);
    default:
      return AdminReply::error(invalid_field());
  }
}

}  // namespace zvmm::nvme

// Get Features (admin 0Ah) and Set Features (admin 09h): the current value
// of every feature zvmm's controller claims. NVMe Base Specification 2.0
// sections 5.15 (Get Features), 5.27 (Set Features) and 5.27.1 (Feature
// Specific Information); who uses which feature is in
// /work/shared/notes/nvme-zns.md section 2.3.
//
// Command fields: CDW10 FID 7:0, SEL 10:8 (Get), SV 31 (Set); CDW11 the
// feature's value (Set) or its parameter (Get of 04h and 09h). The value
// (Get) and NSQA/NCQA (Set 07h) come back in CQE Dword 0; none of these
// features transfers data. Features are controller-wide: NSID is ignored.
//
// Features (FID: CDW11 / Dword 0 layout; default):
//   01h Arbitration                AB 2:0, LPW 15:8, MPW 23:16, HPW 31:24; 0
//                                  (stored only: CAP.AMS is round robin)
//   02h Power Management           PS 4:0 (<= NPSS = 0, else Invalid Field), WH 7:5; 0
//   04h Temperature Threshold      TMPTH 15:0 [K], TMPSEL 19:16, THSEL 21:20.
//                                  TMPSEL 0 (composite) only, Fh (all) on Set;
//                                  THSEL 00b over / 01b under; other values
//                                  Invalid Field. Dword 0 = TMPTH.
//                                  Defaults: over kWarningTemperatureK, under 0
//   05h Error Recovery             TLER 15:0 [100 ms]; DULBE 16 must be 0
//                                  (NSFEAT bit 2 is clear); 0
//   06h Volatile Write Cache       WCE 0; 1. Invalid Field unless
//                                  caps.volatile_write_cache
//   07h Number of Queues           NSQR 15:0, NCQR 31:16 (0's based; FFFFh
//                                  Invalid Field). Allocated = min(requested,
//                                  max_io_queues - 1), 0's based, in Dword 0 as
//                                  NSQA 15:0, NCQA 31:16. Set after any I/O
//                                  queue exists: Command Sequence Error. Default
//                                  max_io_queues - 1 in both
//   08h Interrupt Coalescing       THR 7:0, TIME 15:8 [100 us]; 0 (stored; the
//                                  controller decides whether it coalesces)
//   09h Interrupt Vector Config    IV 15:0 (< max_io_queues + 1 vectors, else
//                                  Invalid Field), CD 16. Vector 0 (admin CQ)
//                                  is never coalesced: CD reads 1 whatever is set
//   0Ah Write Atomicity Normal     DN 0; 0
//   0Bh Asynchronous Event Config  bits 7:0 SMART critical warnings, 8
//                                  Namespace Attribute Notices, 27 Zone
//                                  Descriptor Changed (caps); others dropped; 0
//   0Fh Keep Alive Timer           KATO [ms], rounded up to 100 ms (KAS 1); 0.
//                                  Invalid Field unless caps.keep_alive
//   19h I/O Command Set Profile    IOCSCI 8:0: only index 0 (Identify CNS 1Ch);
//                                  other: I/O Command Set Combination Rejected
// Not supported (Invalid Field in Command, DNR): everything else, among them
// 0Ch APST (APSTA 0, Linux does not send it), 0Dh Host Memory Buffer (HMPRE
// 0), 0Eh Timestamp (ONCS bit 6 clear), 16h Host Behavior Support (Linux
// sends it only if CRDT or CTRATT.ELBAS, both 0).
//
// SEL (Get): 000b current, 001b default, 010b saved (= default: nothing is
// saveable), 011b supported capabilities (Dword 0 bit 2 changeable; never
// saveable bit 0 or namespace specific bit 1); 1xxb Invalid Field.
// SV (Set): Feature Identifier Not Saveable, DNR (checked after the FID).
// Every error status carries DNR.
//
// Threads: get()/set()/reset() from the admin path, which the controller
// serialises. The accessors marked "any thread" are atomic; the others read
// state only set() changes, so call them from the admin path too.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "devices/nvme/admin_capabilities.h"
#include "devices/nvme/admin_reply.h"
#include "devices/nvme/controller_config.h"
#include "devices/nvme/nvme_command.h"

namespace zvmm::nvme {

namespace feature_id {
inline constexpr uint8_t kArbitration = 0x01;
inline constexpr uint8_t kPowerManagement = 0x02;
inline constexpr uint8_t kTemperatureThreshold = 0x04;
inline constexpr uint8_t kErrorRecovery = 0x05;
inline constexpr uint8_t kVolatileWriteCache = 0x06;
inline constexpr uint8_t kNumberOfQueues = 0x07;
inline constexpr uint8_t kInterruptCoalescing = 0x08;
inline constexpr uint8_t kInterruptVectorConfig = 0x09;
inline constexpr uint8_t kWriteAtomicityNormal = 0x0a;
inline constexpr uint8_t kAsyncEventConfig = 0x0b;
inline constexpr uint8_t kAutonomousPowerStateTransition = 0x0c;
inline constexpr uint8_t kHostMemoryBuffer = 0x0d;
inline constexpr uint8_t kTimestamp = 0x0e;
inline constexpr uint8_t kKeepAliveTimer = 0x0f;
inline constexpr uint8_t kHostBehaviorSupport = 0x16;
inline constexpr uint8_t kIoCommandSetProfile = 0x19;
}  // namespace feature_id

// Get Features SEL values (CDW10 10:8).
namespace feature_select {
inline constexpr uint8_t kCurrent = 0;
inline constexpr uint8_t kDefault = 1;
inline constexpr uint8_t kSaved = 2;
inline constexpr uint8_t kSupportedCapabilities = 3;
}  // namespace feature_select

class FeatureStore {
 public:
  // Copies what it needs from `config` and `caps`; all features at their defaults.
  FeatureStore(const ControllerConfig& config, const AdminCapabilities& caps);
  FeatureStore(const FeatureStore&) = delete;
  FeatureStore& operator=(const FeatureStore&) = delete;

  // Whether `fid` is one of the features above.
  bool supported(uint8_t fid) const;

  // Get Features: Dword 0 = the selected value; statuses as above.
  AdminReply get(const Sqe& sqe) const;
  // Set Features. `io_queues_created`: whether any I/O SQ or CQ exists now
  // (Number of Queues is then refused). The caller acts on changes it cares
  // about by comparing the accessors before and after (e.g. flush the disks
  // when volatile_write_cache_enabled() turns false, as QEMU does).
  AdminReply set(const Sqe& sqe, bool io_queues_created);
  // Controller reset (CC.EN 1 -> 0) or power-on: every feature back to its
  // default (none is saveable).
  void reset();

  // --- Accessors ----------------------------------------------------------------
  // I/O queue pairs the host may create (1-based counts): NSQA + 1, NCQA + 1.
  uint16_t allocated_io_submission_queues() const { return nsqa_ + 1; }
  uint16_t allocated_io_completion_queues() const { return ncqa_ + 1; }
  // Volatile Write Cache WCE (any thread). False when the controller has no cache.
  bool volatile_write_cache_enabled() const { return vwc_.load(std::memory_order_relaxed); }
  // Asynchronous Event Configuration, the bits the host enabled (any thread).
  uint32_t async_event_config() const { return aec_.load(std::memory_order_relaxed); }
  // Keep Alive Timeout in ms, 0 = disabled (any thread).
  uint32_t keep_alive_ms() const { return kato_.load(std::memory_order_relaxed); }
  // Composite temperature thresholds [K].
  uint16_t over_temperature_threshold() const { return temp_over_; }
  uint16_t under_temperature_threshold() const { return temp_under_; }
  // Interrupt Coalescing: aggregation threshold (0's based entries) and time
  // [100 us] (any thread), and whether `vector` is excluded from coalescing.
  uint8_t coalescing_threshold() const { return coalescing_.load(std::memory_order_relaxed) & 0xff; }
  uint8_t coalescing_time() const { return (coalescing_.load(std::memory_order_relaxed) >> 8) & 0xff; }
  bool coalescing_disabled(uint16_t vector) const;
  uint8_t power_state() const { return power_management_ & 0x1f; }
  uint16_t io_command_set_profile() const { return iocs_profile_; }

 private:
  uint32_t current_value(uint8_t fid, uint32_t cdw11) const;
  uint32_t default_value(uint8_t fid, uint32_t cdw11) const;
  Status check_get_parameter(uint8_t fid, uint32_t cdw11) const;

  // Configuration.
  uint16_t max_io_queues_;
  uint16_t vectors_;
  bool has_vwc_;
  bool keep_alive_supported_;
  uint32_t aec_mask_;

  // Current values.
  uint32_t arbitration_ = 0;
  uint32_t power_management_ = 0;
  uint16_t temp_over_ = 0;
  uint16_t temp_under_ = 0;
  uint32_t error_recovery_ = 0;
  std::atomic<bool> vwc_{false};
  uint16_t nsqa_ = 0;
  uint16_t ncqa_ = 0;
  std::atomic<uint32_t> coalescing_{0};
  std::vector<bool> vector_cd_;
  uint32_t write_atomicity_ = 0;
  std::atomic<uint32_t> aec_{0};
  std::atomic<uint32_t> kato_{0};
  uint16_t iocs_profile_ = 0;
};

}  // namespace zvmm::nvme

// Get Log Page (admin 02h): NVMe Base Specification 2.0 section 5.16, and
// the counters and error ring behind the pages. Which pages Linux 6.12 and
// nvme-cli read is in /work/shared/notes/nvme-zns.md sections 2.1 and 6.1.
//
// Command fields (parse_get_log_page): CDW10 LID 7:0, LSP 14:8, RAE 15,
// NUMDL 31:16; CDW11 NUMDU 15:0, LSI 31:16; CDW12 LPOL, CDW13 LPOU (byte
// offset); CDW14 UUID index 6:0, OT 23, CSI 31:24. NUMD = NUMDU:NUMDL + 1
// dwords (0's based) is the transfer length: the reply's data is the log from
// the offset, at most NUMD * 4 bytes, and the controller zero-pads the rest
// of the transfer (AdminReply).
//
// Pages (LID: size; NSID; notes):
//   01h Error Information          kErrorLogEntries * 64 bytes, newest entry
//                                  first, unused entries zero; NSID ignored
//   02h SMART / Health Information 512 bytes, controller-wide: NSID 0 or
//                                  FFFFFFFFh (LPA bit 0 is clear, so any
//                                  other NSID is Invalid Field, as Linux's
//                                  hwmon and nvme-cli's default both use FFFFFFFFh)
//   03h Firmware Slot Information  512 bytes: AFI 1 (slot 1 active), FRS1 = FR
//   04h Changed Namespace List     4096 bytes, always empty (namespaces never
//                                  change while the VM runs; required by OAES bit 8)
//   05h Commands Supported and Effects   4096 bytes for CDW14.CSI: ACS[256]
//                                  dwords at 0 (admin opcodes), IOCS[256] at
//                                  1024 (the CSI's I/O opcodes); CSI the
//                                  controller does not offer: Invalid Field
//   BFh Changed Zone List          4096 bytes (changed_zone_list.h), only when
//                                  caps.zoned_command_set (else an unknown
//                                  LID); CSI must be 02h (else Invalid Field);
//                                  NSID a zoned namespace: not an active NSID
//                                  -> Invalid Namespace or Format, an NVM one
//                                  -> Invalid Field. RAE = 0 clears the list
//                                  (ChangedZoneList::take_page), RAE = 1 keeps
//                                  it; a namespace without a list
//                                  (sources.changed_zones gives null) reads
//                                  an empty page
// Statuses (all DNR): unknown LID -> Invalid Log Page (SCT 1h, 09h); LPO not
// dword aligned, LPO beyond the page's size, OT set (no index offsets) ->
// Invalid Field in Command. LSP, LSI and the UUID index are ignored (none of
// these pages defines them). RAE is the controller's business: it clears the
// matching asynchronous event when RAE is 0 (parse_get_log_page tells it).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <vector>

#include "devices/nvme/admin_capabilities.h"
#include "devices/nvme/admin_reply.h"
#include "devices/nvme/changed_zone_list.h"
#include "devices/nvme/controller_config.h"
#include "devices/nvme/features.h"
#include "devices/nvme/nvme_command.h"

namespace zvmm::nvme {

namespace log_id {
inline constexpr uint8_t kErrorInformation = 0x01;
inline constexpr uint8_t kSmartHealth = 0x02;
inline constexpr uint8_t kFirmwareSlot = 0x03;
inline constexpr uint8_t kChangedNamespaceList = 0x04;
inline constexpr uint8_t kCommandsSupportedAndEffects = 0x05;
inline constexpr uint8_t kChangedZoneList = 0xbf;  // Zoned Namespace Command Set
}  // namespace log_id

inline constexpr size_t kErrorEntryBytes = 64;
inline constexpr size_t kErrorLogBytes = kErrorLogEntries * kErrorEntryBytes;
inline constexpr size_t kSmartLogBytes = 512;
inline constexpr size_t kFirmwareSlotLogBytes = 512;
inline constexpr size_t kChangedNamespaceListBytes = 4096;
inline constexpr size_t kEffectsLogBytes = 4096;

// Commands Supported and Effects entry bits (spec figure "Commands Supported
// and Effects Data Structure").
namespace effects {
inline constexpr uint32_t kCsupp = 1u << 0;  // command supported
inline constexpr uint32_t kLbcc = 1u << 1;   // may change logical block content
inline constexpr uint32_t kNcc = 1u << 2;    // may change namespace capabilities
inline constexpr uint32_t kNic = 1u << 3;    // may change the namespace inventory
inline constexpr uint32_t kCcc = 1u << 4;    // may change controller capabilities
}  // namespace effects

// The decoded Get Log Page fields.
struct GetLogPageCommand {
  uint8_t lid = 0;
  uint8_t lsp = 0;
  bool rae = false;           // Retain Asynchronous Event
  uint64_t length = 0;        // NUMD * 4 bytes (4 .. 16 GiB)
  uint64_t offset = 0;        // LPO, bytes
  bool index_offset = false;  // OT: LPO is an index, not bytes
  uint16_t lsi = 0;
  uint8_t uuid_index = 0;
  uint8_t csi = 0;
  uint32_t nsid = 0;
};
GetLogPageCommand parse_get_log_page(const Sqe& sqe);

// SMART counters, updated by the I/O workers (any thread, relaxed atomics)
// and read by the SMART page. Live for the VMM run: nothing is persisted, so
// power cycles is 1 and the power-on time counts from construction.
struct HealthCounters {
  std::atomic<uint64_t> sectors_read{0};     // 512-byte units the host read
  std::atomic<uint64_t> sectors_written{0};  // 512-byte units the host wrote
  std::atomic<uint64_t> host_read_commands{0};   // Read, Compare, Verify completed
  std::atomic<uint64_t> host_write_commands{0};  // Write, Write Zeroes, Zone Append completed
  std::atomic<uint64_t> media_errors{0};         // commands failed with a media/data integrity error
  std::atomic<uint64_t> power_cycles{1};
  std::atomic<uint64_t> unsafe_shutdowns{0};
  const std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();

  // One completed read / write command of `bytes` (rounded up to 512).
  void count_read(uint64_t bytes) {
    host_read_commands.fetch_add(1, std::memory_order_relaxed);
    sectors_read.fetch_add((bytes + 511) / 512, std::memory_order_relaxed);
  }
  void count_write(uint64_t bytes) {
    host_write_commands.fetch_add(1, std::memory_order_relaxed);
    sectors_written.fetch_add((bytes + 511) / 512, std::memory_order_relaxed);
  }
  // SMART Data Units Read/Written: thousands of 512-byte units, rounded up
  // (1 = 1..1000 units).
  uint64_t data_units_read() const { return (sectors_read.load(std::memory_order_relaxed) + 999) / 1000; }
  uint64_t data_units_written() const {
    return (sectors_written.load(std::memory_order_relaxed) + 999) / 1000;
  }
  // Whole hours since `start`.
  uint64_t power_on_hours(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now()) const {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::hours>(now - start).count());
  }
};

// One Error Information log entry, as the controller records a failed command.
struct ErrorInformation {
  uint16_t sqid = 0;               // queue the command came from
  uint16_t cid = 0;                // its command identifier
  Status status;                   // the status it completed with
  bool phase = false;              // the Phase Tag of that completion
  uint16_t parameter_error_location = 0xffff;  // byte 7:0 and bit 10:8 in the SQE; FFFFh: none
  uint64_t lba = 0;                // first LBA in error, if any
  uint32_t nsid = 0;               // namespace, if any
  uint64_t command_specific = 0;   // Command Specific Information
};

// The Error Information log: a ring of the last kErrorLogEntries errors.
// Thread-safe (a mutex; errors are rare).
class ErrorLog {
 public:
  // Adds an entry; returns its Error Count (1, 2, ...; never 0, which marks an
  // unused entry).
  uint64_t record(const ErrorInformation& info);
  // Errors recorded so far (SMART "Number of Error Information Log Entries").
  uint64_t error_count() const;
  // The log page: kErrorLogBytes, entries newest first. Entry layout: Error
  // Count 0 (8), SQID 8 (2), CID 10 (2), Status Field 12 (2: phase bit 0,
  // status 15:1), Parameter Error Location 14 (2), LBA 16 (8), Namespace 24
  // (4), Vendor Specific Information Available 28 (0), Transport Type 29 (0),
  // Command Specific Information 32 (8).
  std::vector<uint8_t> page() const;

 private:
  mutable std::mutex mu_;
  std::array<std::array<uint8_t, kErrorEntryBytes>, kErrorLogEntries> ring_{};
  uint64_t count_ = 0;  // entries recorded; the newest is ring_[(count_ - 1) % N]
};

// SMART / Health Information page (512 bytes): Critical Warning 0 (bit 1 when
// the composite temperature is over/under the thresholds in `features`),
// Composite Temperature 1 (2) = kCompositeTemperatureK, Available Spare 3 =
// 100, Available Spare Threshold 4 = 10, Percentage Used 5 = 0, Data Units
// Read 32 (16), Data Units Written 48, Host Read Commands 64, Host Write
// Commands 80, Controller Busy Time 96 = 0, Power Cycles 112, Power On Hours
// 128, Unsafe Shutdowns 144, Media and Data Integrity Errors 160, Number of
// Error Information Log Entries 176 (128-bit counters, high half 0).
std::vector<uint8_t> smart_log(const HealthCounters& health, const ErrorLog& errors,
                               const FeatureStore* features);
// Firmware Slot Information page (512 bytes): AFI 0 = 01h, FRS1 8 (8) = FR.
std::vector<uint8_t> firmware_slot_log(const ControllerConfig& config);
// Commands Supported and Effects page (4096 bytes) for the given opcodes:
// admin CSUPP; I/O CSUPP, plus LBCC for the opcodes that change data (Write
// 01h, Write Uncorrectable 04h, Write Zeroes 08h, Dataset Management 09h,
// Copy 19h, Zone Management Send 79h, Zone Append 7Dh). Nothing else: Linux
// warns on other effects and freezes I/O for CSE/NCC/NIC.
std::vector<uint8_t> commands_supported_and_effects_log(std::span<const uint8_t> admin_opcodes,
                                                        std::span<const uint8_t> io_opcodes);

// What the pages are built from. `features` may be null (no temperature
// warning then).
struct LogPageSources {
  const ControllerConfig& config;
  const AdminCapabilities& caps;
  const HealthCounters& health;
  const ErrorLog& errors;
  const FeatureStore* features = nullptr;
  // The Changed Zone List of zoned namespace `nsid` (owned by the controller,
  // one per zoned namespace), or null; unset: every zoned namespace reads an
  // empty list.
  std::function<ChangedZoneList*(uint32_t nsid)> changed_zones = nullptr;
};

// The Get Log Page command (statuses above). Success data: the page from
// LPO, at most NUMD * 4 bytes (empty when LPO equals the page size).
AdminReply get_log_page(const Sqe& sqe, const LogPageSources& sources);

}  // namespace zvmm::nvme

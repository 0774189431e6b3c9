// NVMe submission and completion queue entries as zvmm's controller sees
// them (NVMe Base Specification 2.0, section 4.2 "Submission Queue Entry"
// and 4.6 "Completion Queue Entry"), the opcodes zvmm knows, and the
// completion Status field. Shared by the queue rings, the admin commands and
// the I/O command set; no behaviour here.
//
// Units: PRP entries are guest physical addresses; NSID is a namespace id
// (1-based, FFFFFFFFh = broadcast); everything else is as the spec names it.
#pragma once

#include <array>
#include <cstdint>

#include "base/le.h"
#include "devices/nvme/nvme_status.h"

namespace zvmm::nvme {

inline constexpr uint32_t kSqeBytes = 64;  // 2^CC.IOSQES (6), admin SQ entries too
inline constexpr uint32_t kCqeBytes = 16;  // 2^CC.IOCQES (4)
inline constexpr uint32_t kBroadcastNsid = 0xffffffff;

// One 64-byte submission queue entry, copied out of guest memory (a command
// is read once; its fields cannot change under the controller).
struct Sqe {
  std::array<uint8_t, kSqeBytes> bytes{};

  uint8_t opcode() const { return bytes[0]; }                 // CDW0 7:0
  uint8_t fuse() const { return bytes[1] & 0x3; }             // CDW0 9:8
  uint8_t psdt() const { return (bytes[1] >> 6) & 0x3; }      // CDW0 15:14 (00b = PRPs)
  uint16_t cid() const { return load_le<uint16_t>(bytes, 2); }      // CDW0 31:16
  uint32_t nsid() const { return load_le<uint32_t>(bytes, 4); }     // CDW1
  uint64_t mptr() const { return load_le<uint64_t>(bytes, 16); }    // CDW4-5
  uint64_t prp1() const { return load_le<uint64_t>(bytes, 24); }    // CDW6-7
  uint64_t prp2() const { return load_le<uint64_t>(bytes, 32); }    // CDW8-9
  // CDW n, n in 0..15 (cdw(10) .. cdw(15) are the command-specific dwords).
  uint32_t cdw(unsigned n) const { return load_le<uint32_t>(bytes, 4 * size_t{n}); }  // throws std::out_of_range for n > 15
};

// The completion queue entry the controller posts, before the Phase Tag is
// added by the completion queue (CompletionQueue::post).
struct Cqe {
  uint32_t dw0 = 0;        // command specific (e.g. Get Features value, Zone Append ALBA low)
  uint32_t dw1 = 0;        // command specific (Zone Append ALBA high)
  uint16_t sq_head = 0;    // SQHD: filled by the controller when posting
  uint16_t sq_id = 0;      // SQID
  uint16_t cid = 0;        // command identifier
  uint16_t status = 0;     // Status field without the phase bit: SC 7:0, SCT 10:8, CRD 12:11, M 13, DNR 14
};

// Status Code Types (Status field bits 10:8 once the phase bit is dropped).
enum class StatusCodeType : uint8_t {
  kGeneric = 0x0,
  kCommandSpecific = 0x1,
  kMediaError = 0x2,
  kPathRelated = 0x3,
};

// A completion status: SCT, SC and DNR.
struct Status {
  StatusCodeType sct = StatusCodeType::kGeneric;
  uint8_t sc = 0;
  bool dnr = false;

  static constexpr Status success() { return {}; }
  static constexpr Status generic(GenericStatus s, bool dnr = true) {
    return {StatusCodeType::kGeneric, static_cast<uint8_t>(s), dnr};
  }
  static constexpr Status specific(uint8_t sc, bool dnr = true) {
    return {StatusCodeType::kCommandSpecific, sc, dnr};
  }
  static constexpr Status specific(CommandSpecificStatus s, bool dnr = true) {
    return specific(static_cast<uint8_t>(s), dnr);
  }
  static constexpr Status media(uint8_t sc, bool dnr = true) {
    return {StatusCodeType::kMediaError, sc, dnr};
  }
  static constexpr Status media(MediaStatus s, bool dnr = true) {
    return media(static_cast<uint8_t>(s), dnr);
  }
  constexpr bool ok() const { return sct == StatusCodeType::kGeneric && sc == 0; }
  // The CQE Status field (without the phase tag): SC 7:0, SCT 10:8, DNR 14.
  constexpr uint16_t field() const {
    return static_cast<uint16_t>(sc | (static_cast<uint16_t>(sct) << 8) | (dnr ? 1u << 14 : 0u));
  }
  friend constexpr bool operator==(const Status&, const Status&) = default;
};

// Admin command opcodes (spec figure "Opcodes for Admin Commands").
namespace admin_opcode {
inline constexpr uint8_t kDeleteIoSq = 0x00;
inline constexpr uint8_t kCreateIoSq = 0x01;
inline constexpr uint8_t kGetLogPage = 0x02;
inline constexpr uint8_t kDeleteIoCq = 0x04;
inline constexpr uint8_t kCreateIoCq = 0x05;
inline constexpr uint8_t kIdentify = 0x06;
inline constexpr uint8_t kAbort = 0x08;
inline constexpr uint8_t kSetFeatures = 0x09;
inline constexpr uint8_t kGetFeatures = 0x0a;
inline constexpr uint8_t kAsyncEventRequest = 0x0c;
inline constexpr uint8_t kKeepAlive = 0x18;
inline constexpr uint8_t kDoorbellBufferConfig = 0x7c;
}  // namespace admin_opcode

// NVM command set I/O opcodes (NVM Command Set Specification 1.0, figure
// "Opcodes for NVM Commands"), and the Zoned Namespace ones (ZNS 1.1).
namespace io_opcode {
inline constexpr uint8_t kFlush = 0x00;
inline constexpr uint8_t kWrite = 0x01;
inline constexpr uint8_t kRead = 0x02;
inline constexpr uint8_t kCompare = 0x05;
inline constexpr uint8_t kWriteZeroes = 0x08;
inline constexpr uint8_t kDatasetManagement = 0x09;
inline constexpr uint8_t kVerify = 0x0c;
inline constexpr uint8_t kZoneManagementSend = 0x79;
inline constexpr uint8_t kZoneManagementReceive = 0x7a;
inline constexpr uint8_t kZoneAppend = 0x7d;
}  // namespace io_opcode

// Command Set Identifiers (CSI).
namespace csi {
inline constexpr uint8_t kNvm = 0x00;
inline constexpr uint8_t kZoned = 0x02;
}  // namespace csi

}  // namespace zvmm::nvme

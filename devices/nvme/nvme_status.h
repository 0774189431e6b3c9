// NVMe completion status codes the controller returns (NVMe Base
// Specification 2.0, Completion Queue Entry: the Status field holds the Status
// Code (SC, bits 8:1), the Status Code Type (SCT, bits 11:9) and Do Not Retry
// (DNR, bit 15)). Only the codes in use are listed.
//
// Who sets DNR: the code that builds the completion, not the code that finds
// the error. The rule it follows: an error that repeating the same command
// would hit again (every malformed-command error here) gets DNR, because Linux
// retries any error without DNR up to 5 times (/work/shared/notes/nvme-zns.md item 15).
#pragma once

#include <cstdint>
#include <string_view>

namespace zvmm::nvme {

// Status Code Type 0h, Generic Command Status (spec figure "Generic Command
// Status Values"). Names follow the spec's, shortened; the spec's full name is
// on each line.
enum class GenericStatus : uint8_t {
  kSuccess = 0x00,            // Successful Completion
  kInvalidField = 0x02,       // Invalid Field in Command
  kDataTransferError = 0x04,  // Data Transfer Error
  kInvalidPrpOffset = 0x13,   // PRP Offset Invalid
};

constexpr std::string_view to_string(GenericStatus s) {
  switch (s) {
    case GenericStatus::kSuccess: return "Successful Completion";
    case GenericStatus::kInvalidField: return "Invalid Field in Command";
    case GenericStatus::kDataTransferError: return "Data Transfer Error";
    case GenericStatus::kInvalidPrpOffset: return "PRP Offset Invalid";
  }
  return "unknown generic status";
}

}  // namespace zvmm::nvme

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
  kSuccess = 0x00,                  // Successful Completion
  kInvalidOpcode = 0x01,            // Invalid Command Opcode
  kInvalidField = 0x02,             // Invalid Field in Command
  kDataTransferError = 0x04,        // Data Transfer Error
  kInternalError = 0x06,            // Internal Error
  kAbortRequested = 0x07,           // Command Abort Requested
  kAbortedSqDeletion = 0x08,        // Command Aborted due to SQ Deletion
  kInvalidNamespaceOrFormat = 0x0b,  // Invalid Namespace or Format
  kCommandSequenceError = 0x0c,     // Command Sequence Error
  kInvalidPrpOffset = 0x13,         // PRP Offset Invalid
  kNamespaceWriteProtected = 0x20,  // Namespace is Write Protected
  kLbaOutOfRange = 0x80,            // LBA Out of Range
  kCapacityExceeded = 0x81,         // Capacity Exceeded
};

constexpr std::string_view to_string(GenericStatus s) {
  switch (s) {
    case GenericStatus::kSuccess: return "Successful Completion";
    case GenericStatus::kInvalidOpcode: return "Invalid Command Opcode";
    case GenericStatus::kInvalidField: return "Invalid Field in Command";
    case GenericStatus::kDataTransferError: return "Data Transfer Error";
    case GenericStatus::kInternalError: return "Internal Error";
    case GenericStatus::kAbortRequested: return "Command Abort Requested";
    case GenericStatus::kAbortedSqDeletion: return "Command Aborted due to SQ Deletion";
    case GenericStatus::kInvalidNamespaceOrFormat: return "Invalid Namespace or Format";
    case GenericStatus::kCommandSequenceError: return "Command Sequence Error";
    case GenericStatus::kInvalidPrpOffset: return "PRP Offset Invalid";
    case GenericStatus::kNamespaceWriteProtected: return "Namespace is Write Protected";
    case GenericStatus::kLbaOutOfRange: return "LBA Out of Range";
    case GenericStatus::kCapacityExceeded: return "Capacity Exceeded";
  }
  return "unknown generic status";
}

// Status Code Type 1h, Command Specific Status (spec figure "Command
// Specific Status Values"). Each applies only to the commands the spec lists
// for it (in brackets).
enum class CommandSpecificStatus : uint8_t {
  kCompletionQueueInvalid = 0x00,        // Completion Queue Invalid [Create I/O SQ]
  kInvalidQueueIdentifier = 0x01,        // Invalid Queue Identifier [Create/Delete I/O SQ/CQ]
  kInvalidQueueSize = 0x02,              // Invalid Queue Size [Create I/O SQ/CQ]
  kAbortCommandLimitExceeded = 0x03,     // Abort Command Limit Exceeded [Abort]
  kAsyncEventRequestLimitExceeded = 0x05,  // Asynchronous Event Request Limit Exceeded [AER]
  kInvalidInterruptVector = 0x08,        // Invalid Interrupt Vector [Create I/O CQ]
  kInvalidLogPage = 0x09,                // Invalid Log Page [Get Log Page]
  kInvalidQueueDeletion = 0x0c,          // Invalid Queue Deletion [Delete I/O CQ]
  kFeatureIdentifierNotSaveable = 0x0d,  // Feature Identifier Not Saveable [Set Features]
  kFeatureNotChangeable = 0x0e,          // Feature Not Changeable [Set Features]
  kFeatureNotNamespaceSpecific = 0x0f,   // Feature Not Namespace Specific [Set Features]
  kIoCommandSetCombinationRejected = 0x2b,  // I/O Command Set Combination Rejected [Set Features 19h]
  // Zoned Namespace Command Set Specification 1.1, figure "Status Code -
  // Command Specific Status Values" [Zone Management Send/Receive, Zone
  // Append, Read/Write/Write Zeroes on a zoned namespace]; zns_commands.h
  // maps the zone engine's results onto them.
  kInvalidZoneOperationRequest = 0xb6,   // Invalid Zone Operation Request
  kZrwaResourcesUnavailable = 0xb7,      // ZRWA Resources Unavailable
  kZoneBoundaryError = 0xb8,             // Zone Boundary Error
  kZoneIsFull = 0xb9,                    // Zone Is Full
  kZoneIsReadOnly = 0xba,                // Zone Is Read Only
  kZoneIsOffline = 0xbb,                 // Zone Is Offline
  kZoneInvalidWrite = 0xbc,              // Zone Invalid Write
  kTooManyActiveZones = 0xbd,            // Too Many Active Zones
  kTooManyOpenZones = 0xbe,              // Too Many Open Zones
  kInvalidZoneStateTransition = 0xbf,    // Invalid Zone State Transition
};

constexpr std::string_view to_string(CommandSpecificStatus s) {
  switch (s) {
    case CommandSpecificStatus::kCompletionQueueInvalid: return "Completion Queue Invalid";
    case CommandSpecificStatus::kInvalidQueueIdentifier: return "Invalid Queue Identifier";
    case CommandSpecificStatus::kInvalidQueueSize: return "Invalid Queue Size";
    case CommandSpecificStatus::kAbortCommandLimitExceeded: return "Abort Command Limit Exceeded";
    case CommandSpecificStatus::kAsyncEventRequestLimitExceeded:
      return "Asynchronous Event Request Limit Exceeded";
    case CommandSpecificStatus::kInvalidInterruptVector: return "Invalid Interrupt Vector";
    case CommandSpecificStatus::kInvalidLogPage: return "Invalid Log Page";
    case CommandSpecificStatus::kInvalidQueueDeletion: return "Invalid Queue Deletion";
    case CommandSpecificStatus::kFeatureIdentifierNotSaveable: return "Feature Identifier Not Saveable";
    case CommandSpecificStatus::kFeatureNotChangeable: return "Feature Not Changeable";
    case CommandSpecificStatus::kFeatureNotNamespaceSpecific: return "Feature Not Namespace Specific";
    case CommandSpecificStatus::kIoCommandSetCombinationRejected:
      return "I/O Command Set Combination Rejected";
    case CommandSpecificStatus::kInvalidZoneOperationRequest: return "Invalid Zone Operation Request";
    case CommandSpecificStatus::kZrwaResourcesUnavailable: return "ZRWA Resources Unavailable";
    case CommandSpecificStatus::kZoneBoundaryError: return "Zone Boundary Error";
    case CommandSpecificStatus::kZoneIsFull: return "Zone Is Full";
    case CommandSpecificStatus::kZoneIsReadOnly: return "Zone Is Read Only";
    case CommandSpecificStatus::kZoneIsOffline: return "Zone Is Offline";
    case CommandSpecificStatus::kZoneInvalidWrite: return "Zone Invalid Write";
    case CommandSpecificStatus::kTooManyActiveZones: return "Too Many Active Zones";
    case CommandSpecificStatus::kTooManyOpenZones: return "Too Many Open Zones";
    case CommandSpecificStatus::kInvalidZoneStateTransition: return "Invalid Zone State Transition";
  }
  return "unknown command specific status";
}

// Status Code Type 2h, Media and Data Integrity Errors (spec figure "Media
// and Data Integrity Error Values").
enum class MediaStatus : uint8_t {
  kWriteFault = 0x80,            // Write Fault
  kUnrecoveredReadError = 0x81,  // Unrecovered Read Error
  kCompareFailure = 0x85,        // Compare Failure
};

constexpr std::string_view to_string(MediaStatus s) {
  switch (s) {
    case MediaStatus::kWriteFault: return "Write Fault";
    case MediaStatus::kUnrecoveredReadError: return "Unrecovered Read Error";
    case MediaStatus::kCompareFailure: return "Compare Failure";
  }
  return "unknown media status";
}

}  // namespace zvmm::nvme

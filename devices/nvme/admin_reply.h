// What an admin command builder (Identify, Get/Set Features, Get Log Page)
// hands back to the controller, and the status helpers they share.
//
// The builders never touch guest memory: `data` is the command's
// controller-to-host payload. The controller copies it through the command's
// PRPs (prp.h), truncating it to the transfer length the command asked for
// (Identify: 4096 bytes; Get Log Page: NUMD dwords; Get Features: the
// feature's data size, none for the features zvmm claims) and padding the
// rest of that length with zeros. A reply whose status is not success carries
// no data and the controller transfers nothing.
#pragma once

#include <cstdint>
#include <vector>

#include "devices/nvme/nvme_command.h"
#include "devices/nvme/nvme_status.h"

namespace zvmm::nvme {

struct AdminReply {
  Status status;              // the CQE status (DNR already decided)
  uint32_t dw0 = 0;           // CQE Dword 0 (command specific: Get/Set Features value)
  std::vector<uint8_t> data;  // bytes for the host, from offset 0 of the command's buffer

  static AdminReply error(Status s) { return AdminReply{s, 0, {}}; }
  static AdminReply with_data(std::vector<uint8_t> bytes) {
    return AdminReply{Status::success(), 0, std::move(bytes)};
  }
  static AdminReply with_dw0(uint32_t value) { return AdminReply{Status::success(), value, {}}; }
};

// A Command Specific Status (SCT 1h), DNR set unless told otherwise.
constexpr Status specific_status(CommandSpecificStatus s, bool dnr = true) {
  return Status::specific(static_cast<uint8_t>(s), dnr);
}

// Invalid Field in Command with DNR: the answer to every malformed or
// unsupported field in an admin command here.
constexpr Status invalid_field() { return Status::generic(GenericStatus::kInvalidField); }

}  // namespace zvmm::nvme

#include "devices/nvme/admin_capabilities.h"

#include <algorithm>

namespace zvmm::nvme {

uint8_t namespace_csi(const NamespaceConfig& ns, const AdminCapabilities& caps) {
  if (caps.zoned_command_set && ns.device != nullptr &&
      ns.device->model() == zoned::ZonedModel::kHostManaged) {
    return csi::kZoned;
  }
  return csi::kNvm;
}

bool deallocate_reads_zeroes(const NamespaceConfig& ns) {
  return ns.device != nullptr && ns.device->model() == zoned::ZonedModel::kNone;
}

std::vector<uint8_t> admin_opcodes(const AdminCapabilities& caps) {
  std::vector<uint8_t> ops = {
      admin_opcode::kDeleteIoSq,  admin_opcode::kCreateIoSq,   admin_opcode::kGetLogPage,
      admin_opcode::kDeleteIoCq,  admin_opcode::kCreateIoCq,   admin_opcode::kIdentify,
      admin_opcode::kAbort,       admin_opcode::kSetFeatures,  admin_opcode::kGetFeatures,
      admin_opcode::kAsyncEventRequest,
  };
  if (caps.keep_alive) ops.push_back(admin_opcode::kKeepAlive);
  if (caps.doorbell_buffer_config) ops.push_back(admin_opcode::kDoorbellBufferConfig);
  return ops;
}

bool command_set_supported(const AdminCapabilities& caps, uint8_t csi) {
  return csi == csi::kNvm || (csi == csi::kZoned && caps.zoned_command_set);
}

std::vector<uint8_t> io_opcodes(const AdminCapabilities& caps, uint8_t csi) {
  if (!command_set_supported(caps, csi)) return {};
  std::vector<uint8_t> ops = {io_opcode::kFlush, io_opcode::kWrite, io_opcode::kRead};
  if (caps.compare) ops.push_back(io_opcode::kCompare);
  if (caps.write_zeroes) ops.push_back(io_opcode::kWriteZeroes);
  if (caps.dataset_management) ops.push_back(io_opcode::kDatasetManagement);
  if (caps.verify) ops.push_back(io_opcode::kVerify);
  if (csi == csi::kZoned) ops.insert(ops.end(), caps.zoned_io_opcodes.begin(), caps.zoned_io_opcodes.end());
  std::sort(ops.begin(), ops.end());
  ops.erase(std::unique(ops.begin(), ops.end()), ops.end());
  return ops;
}

}  // namespace zvmm::nvme

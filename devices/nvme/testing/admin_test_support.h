// Test helpers for the admin builders: SQEs with chosen dwords, real zoned
// devices (a plain image, an emulated zoned one) and a controller config
// over them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/le.h"
#include "devices/nvme/controller_config.h"
#include "devices/nvme/nvme_command.h"
#include "zoned/plain_image.h"
#include "zoned/test_support.h"

namespace zvmm::nvme::testing {

// An SQE with `opcode`, CID 0x1234, `nsid` and the given (dword index, value) pairs.
inline Sqe make_sqe(uint8_t opcode, uint32_t nsid,
                    std::vector<std::pair<unsigned, uint32_t>> dwords = {}) {
  Sqe s;
  s.bytes[0] = opcode;
  store_le<uint16_t>(s.bytes, 2, 0x1234);
  store_le<uint32_t>(s.bytes, 4, nsid);
  for (auto [n, v] : dwords) store_le<uint32_t>(s.bytes, 4 * n, v);
  return s;
}

// A plain (non-zoned) image of `bytes` with 512-byte blocks, as --disk
// nvme,file=IMG opens it.
inline std::unique_ptr<zoned::ZonedDevice> plain_device(const std::string& name, uint64_t bytes,
                                                        bool read_only = false) {
  const std::string path = zoned::testing::fresh_temp_path(name);
  if (read_only) {
    zoned::PlainImage::into_device(zoned::PlainImage::open(path, bytes));  // create it
    return zoned::PlainImage::into_device(zoned::PlainImage::open(
        path, bytes, {}, zoned::EngineOptions{.read_only = true, .description = "ro"}));
  }
  return zoned::PlainImage::into_device(zoned::PlainImage::open(path, bytes));
}

// A namespace config with ids derived from `nsid`.
inline NamespaceConfig namespace_config(uint32_t nsid, zoned::ZonedDevice* device) {
  NamespaceConfig ns;
  ns.nsid = nsid;
  ns.device = device;
  for (size_t i = 0; i < ns.nguid.size(); ++i) ns.nguid[i] = static_cast<uint8_t>(0x10 * nsid + i);
  for (size_t i = 0; i < ns.eui64.size(); ++i) ns.eui64[i] = static_cast<uint8_t>(0x80 + 0x10 * nsid + i);
  for (size_t i = 0; i < ns.uuid.size(); ++i) ns.uuid[i] = static_cast<uint8_t>(0xa0 + nsid + i);
  return ns;
}

inline ControllerConfig controller_config() {
  ControllerConfig c;
  c.serial = "ZVMM0001";
  c.model = "zvmm test";
  c.firmware = "0.1";
  c.cntlid = 7;
  c.subnqn = "nqn.2025-01.io.zvmm:ZVMM0001";
  c.max_io_queues = 4;
  c.mdts = 7;
  return c;
}

}  // namespace zvmm::nvme::testing

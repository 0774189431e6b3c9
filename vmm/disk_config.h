// One --disk option: which device to open (a spec for the zoned factory,
// zoned/open_zoned_device.h) and the virtio-blk front end's options.
//
//   virtio-blk,file=PATH[,size=S][,zoned=hm|ha|none][,zone-size=S][,zone-capacity=S]
//              [,conventional-zones=N][,max-open=N][,max-active=N][,max-append=S]
//              [,queues=N][,readonly=on|off][,kick-yield=auto|on|off]
//   virtio-blk,host=/dev/DEV[,queues=N][,readonly=on|off][,kick-yield=auto|on|off]
//
// The CLI keys are translated to the factory's keys and parsed there; the
// geometry is validated here too (ZoneGeometry::from_config, which refuses
// every geometry a Linux guest would reject), so every inconsistency is a
// UsageError (exit status 2) before anything is opened. docs/usage.md has the
// defaults and the rules.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "devices/virtio/blk_config.h"
#include "zoned/open_zoned_device.h"

namespace zvmm {

// Zone size of a new zoned image when `size` is given without `zone-size`.
inline constexpr uint64_t kDefaultDiskZoneSize = 64ull << 20;
inline constexpr uint16_t kMaxDiskQueues = 64;

struct DiskConfig {
  std::string text;  // the option as given, for messages
  zoned::ZonedDeviceSpec device;
  uint16_t queues = 0;  // 0: one queue per vCPU (as QEMU's virtio-blk-pci does)
  virtio::KickYield kick_yield = virtio::KickYield::kAuto;  // VirtioBlkOptions::kick_yield
};

// Parses a --disk value. Throws UsageError (vmm/cli.h) with a one-line message.
DiskConfig parse_disk_option(std::string_view text);

}  // namespace zvmm

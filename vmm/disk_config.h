// One --disk option, parsed once into typed parts: the front end the guest
// sees, the backing device (zoned::ZonedDeviceSpec, whose keys zoned/ parses:
// zoned/zoned_device_spec.h) and the front end's own options.
//
//   FRONTEND,BACKING-KEYS[,FRONTEND-KEYS]
//   virtio-blk,file=PATH[,size=S][,zoned=hm|ha|none][,zone-size=S][,zone-capacity=S]
//              [,conventional-zones=N][,max-open=N][,max-active=N][,max-append=S]
//              [,readonly=on|off][,queues=N][,kick-yield=auto|on|off]
//   virtio-blk,host=/dev/DEV[,readonly=on|off][,queues=N][,kick-yield=auto|on|off]
//
// Every inconsistency, and every geometry a Linux guest would reject, is a
// one-line UsageError (exit status 2) before anything is opened.
// docs/usage.md has the defaults and the rules.
//
// A new front end (e.g. NVMe) is a DiskFrontend value, its name in
// disk_config.cc's table, an options struct here with its keys' parser, and
// its case in Disks::attach (vmm/disks.cc); the backing keys do not change.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "devices/queue_worker.h"
#include "zoned/zoned_device_spec.h"

namespace zvmm {

inline constexpr uint16_t kMaxDiskQueues = 64;

enum class DiskFrontend { kVirtioBlk };

// The option's first item: "virtio-blk".
std::string_view to_string(DiskFrontend frontend);

// virtio-blk's keys: queues=N, kick-yield=auto|on|off.
struct VirtioBlkDiskOptions {
  uint16_t queues = 0;  // 0: one queue per vCPU (as QEMU's virtio-blk-pci does)
  devices::KickYield kick_yield = devices::KickYield::kAuto;  // virtio::VirtioBlkOptions::kick_yield
};

struct DiskSpec {
  std::string text;  // the option as given, for messages
  DiskFrontend frontend = DiskFrontend::kVirtioBlk;
  zoned::ZonedDeviceSpec backing;
  VirtioBlkDiskOptions virtio;  // frontend == kVirtioBlk
};

// Parses a --disk value. Throws UsageError (vmm/cli.h) with a one-line message
// "--disk TEXT: ...".
DiskSpec parse_disk_option(std::string_view text);

}  // namespace zvmm

// One --disk option, parsed once into typed parts: the front end the guest
// sees, the backing device (zoned::ZonedDeviceSpec, whose keys zoned/ parses:
// zoned/zoned_device_spec.h) and the front end's own options.
//
//   FRONTEND,BACKING-KEYS[,FRONTEND-KEYS]
//   virtio-blk,file=PATH[,size=S][,zoned=hm|ha|none][,zone-size=S][,zone-capacity=S]
//              [,conventional-zones=N][,max-open=N][,max-active=N][,max-append=S]
//              [,readonly=on|off][,readonly-zones=Z+Z..][,offline-zones=Z+Z..]
//              [,queues=N][,kick-yield=auto|on|off]
//   virtio-blk,host=/dev/DEV[,readonly=on|off][,queues=N][,kick-yield=auto|on|off]
//   nvme,file=PATH,zoned=none[,size=S][,readonly=on|off][,nsid=N][,ctrl=ID]
//        [,serial=S][,queues=N][,mdts=N][,kick-yield=auto|on|off]
//
// Every inconsistency, and every geometry a Linux guest would reject, is a
// one-line UsageError (exit status 2) before anything is opened. NVMe disks
// are namespaces grouped into controllers (ctrl=), so some of their rules
// span several --disk options: plan_nvme_controllers() checks those once the
// whole command line is read. docs/usage.md has the defaults and the rules.
//
// A new front end (e.g. NVMe) is a DiskFrontend value, its name in
// disk_config.cc's table, an options struct here with its keys' parser, and
// its case in Disks::attach (vmm/disks.cc); the backing keys do not change.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "devices/queue_worker.h"
#include "zoned/zoned_device_spec.h"

namespace zvmm {

inline constexpr uint16_t kMaxDiskQueues = 64;

enum class DiskFrontend { kVirtioBlk, kNvme };

// The option's first item: "virtio-blk", "nvme".
std::string_view to_string(DiskFrontend frontend);

// virtio-blk's keys: queues=N, kick-yield=auto|on|off.
struct VirtioBlkDiskOptions {
  uint16_t queues = 0;  // 0: one queue per vCPU (as QEMU's virtio-blk-pci does)
  devices::KickYield kick_yield = devices::KickYield::kAuto;  // virtio::VirtioBlkOptions::kick_yield
};

// NVMe's keys. A disk is one namespace of a controller (NVMe Base
// Specification 2.0, 3.2): nsid and the backing keys are the namespace's;
// serial, queues, mdts and kick-yield are the controller's and may be given on
// any of its disks (on several only with the same value).
inline constexpr uint32_t kMaxNvmeNamespaces = 256;  // nvme::kMaxNamespaces
inline constexpr uint8_t kMaxNvmeMdts = 16;           // nvme::kMaxMdts
inline constexpr uint8_t kDefaultNvmeMdts = 7;        // 2^7 4 KiB pages = 512 KiB, QEMU's
inline constexpr size_t kMaxNvmeSerial = 20;          // Identify Controller SN bytes
inline constexpr size_t kMaxNvmeCtrlId = 32;

struct NvmeDiskOptions {
  std::optional<uint32_t> nsid;       // nsid=N, 1..kMaxNvmeNamespaces; default: next free on the controller
  std::optional<std::string> ctrl;    // ctrl=ID: disks with one ID share a controller; default: a controller of its own
  std::optional<std::string> serial;  // serial=S, printable ASCII, 1..20 characters
  std::optional<uint16_t> queues;     // queues=N, I/O queue pairs 1..kMaxDiskQueues; default: one per vCPU
  std::optional<uint8_t> mdts;        // mdts=N, 1..kMaxNvmeMdts; default kDefaultNvmeMdts
  std::optional<devices::KickYield> kick_yield;  // kick-yield=; default auto
};

struct DiskSpec {
  std::string text;  // the option as given, for messages
  DiskFrontend frontend = DiskFrontend::kVirtioBlk;
  zoned::ZonedDeviceSpec backing;
  VirtioBlkDiskOptions virtio;  // frontend == kVirtioBlk
  NvmeDiskOptions nvme;         // frontend == kNvme
};

// Parses a --disk value. Throws UsageError (vmm/cli.h) with a one-line message
// "--disk TEXT: ...".
DiskSpec parse_disk_option(std::string_view text);

// One NVMe controller of the command line: the --disk nvme options that are
// its namespaces, with the controller keys merged and nsids assigned.
struct NvmeControllerPlan {
  std::optional<std::string> ctrl;  // ctrl=ID; nullopt: a disk's own controller
  struct Namespace {
    size_t disk = 0;  // index in the --disk list
    uint32_t nsid = 0;
  };
  std::vector<Namespace> namespaces;  // in --disk order
  std::optional<std::string> serial;
  uint16_t queues = 0;  // 0: one per vCPU
  uint8_t mdts = kDefaultNvmeMdts;
  devices::KickYield kick_yield = devices::KickYield::kAuto;
};

// The NVMe controllers of `disks` in the order of their first disk (the
// order of their PCI slots among the disks). Disks without ctrl= get one
// controller each; an nsid not given is the lowest one no disk of the
// controller names, in --disk order. Throws UsageError
// "--disk TEXT: ..." for an nsid given twice on one controller, a controller
// key given with different values on its disks, a serial two controllers
// share, or more than kMaxNvmeNamespaces namespaces on one controller.
// parse_command_line() calls it once all options are read, so these are
// usage errors too; Disks::attach() calls it again to build the controllers.
std::vector<NvmeControllerPlan> plan_nvme_controllers(std::span<const DiskSpec> disks);

}  // namespace zvmm

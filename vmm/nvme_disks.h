// From --disk nvme options to nvme::ControllerConfig: the identity zvmm gives
// each controller and namespace. Everything here is derived, stably, from the
// command line and the images' paths, so a guest sees the same serial, SUBNQN,
// NGUID, EUI64 and UUID after a restart with the same options (Linux and udev
// name /dev/disk/by-id links after them; a changed NGUID looks like a
// different disk).
//
//   serial  serial=S, else "ZVMM" + 16 hex digits of a hash of the controller
//           key (20 characters, the SN field's size)
//   subnqn  nqn.2026-11.dev.zvmm:ctrl-ID (ctrl=ID) or nqn.2026-11.dev.zvmm:ctrl-SERIAL:
//           each controller is its own NVM subsystem (CMIC 0)
//   cntlid  1, 2, ... in controller order (unique although each controller is
//           its own subsystem)
//   NGUID, EUI64, UUID   a hash of (controller key, nsid, image identity)
//
// The controller key is "ctrl=ID" for ctrl=ID, else "disk=" + the image's
// identity. An image's identity is its absolute path with symbolic links
// resolved (std::filesystem::weakly_canonical): the zoned image header holds
// no UUID, and a plain image is a raw file that has no room for one. So the
// ids follow the path: moving or copying an image gives it new ids (as a new
// disk), and the same file under two paths gets two sets. The hash is 64-bit
// FNV-1a with a splitmix64 finaliser, salted per field; EUI64 is marked
// locally administered (bit 1 of its first byte), the UUID carries the RFC
// 4122 version 4 / variant bits. NamespaceConfig::validate() refuses
// duplicates, which would take a 64-bit hash collision.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "devices/nvme/controller_config.h"
#include "vmm/disk_config.h"
#include "zoned/zoned_device.h"

namespace zvmm {

inline constexpr std::string_view kNvmeNqnPrefix = "nqn.2026-11.dev.zvmm:ctrl-";

// The identity of the image `backing` names (see above); the path as given
// when it cannot be resolved.
std::string nvme_image_identity(const zoned::ZonedDeviceSpec& backing);

struct NvmeNamespaceIds {
  std::array<uint8_t, 16> nguid{};
  std::array<uint8_t, 8> eui64{};
  std::array<uint8_t, 16> uuid{};
};
NvmeNamespaceIds nvme_namespace_ids(std::string_view controller_key, uint32_t nsid,
                                    std::string_view image_identity);
// "ZVMM" + 16 hex digits.
std::string nvme_default_serial(std::string_view controller_key);

// The controller `plan` (one of plan_nvme_controllers(disks)) as the
// controller model takes it: `cntlid` 1.., `device(i)` the opened device of
// disks[i], `vcpus` for the default number of I/O queues (one per vCPU, at
// most kMaxDiskQueues). Throws std::invalid_argument naming the rule if the
// result does not validate().
nvme::ControllerConfig nvme_controller_config(const NvmeControllerPlan& plan, uint16_t cntlid,
                                              std::span<const DiskSpec> disks,
                                              const std::function<zoned::ZonedDevice*(size_t)>& device,
                                              uint32_t vcpus);

}  // namespace zvmm

// The PCI identity of zvmm's NVMe controller, shared by the PCI function
// (config space Vendor ID / Device ID / Subsystem IDs) and Identify Controller
// (VID at byte 0, SSVID at byte 2), which must agree.
//
// Vendor 1b36 is Red Hat's, the vendor QEMU's emulated devices use and the one
// zvmm's PCI host bridge already carries (devices/pci/host_bridge.h).
//
// Device 5a56 ("ZV"), chosen because:
//   - it is not 0010h, QEMU's NVMe controller: Linux's nvme_id_table applies
//     NVME_QUIRK_BOGUS_NID to 1b36:0010 and then ignores every namespace's
//     EUI64/NGUID/UUID (/work/shared/notes/nvme-zns.md section 0 item 1). No
//     other 1b36 id is in that table, so Linux binds by class code 010802h
//     with no quirk at all;
//   - it is far from the ids QEMU assigns under 1b36 (0001h..0015h and 0100h
//     so far), so a later QEMU device will not collide with it.
// It is not registered with anyone; like QEMU's ids it only has to be unique
// among the devices a guest of this VMM sees.
#pragma once

#include <cstdint>

namespace zvmm::nvme {

inline constexpr uint16_t kPciVendorId = 0x1b36;
inline constexpr uint16_t kPciDeviceId = 0x5a56;
inline constexpr uint16_t kPciSubsystemVendorId = kPciVendorId;  // Identify Controller SSVID
inline constexpr uint16_t kPciSubsystemId = 0x0000;

}  // namespace zvmm::nvme

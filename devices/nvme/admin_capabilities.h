// The optional parts of the NVMe controller that the controller core decides
// and the admin builders (identify.h, features.h, log_pages.h) advertise:
// one struct, so that Identify Controller, the features it claims and the
// Commands Supported and Effects log always agree. The defaults are issue
// 11's NVM-only controller (/work/shared/notes/nvme-zns.md section 6.3).
#pragma once

#include <cstdint>
#include <vector>

#include "devices/nvme/controller_config.h"
#include "devices/nvme/nvme_command.h"

namespace zvmm::nvme {

// Error Information log entries the controller keeps (Identify Controller
// ELPE = kErrorLogEntries - 1; log page 01h is kErrorLogEntries * 64 bytes).
inline constexpr uint32_t kErrorLogEntries = 64;

struct AdminCapabilities {
  // --- NVM command set I/O commands (Identify Controller ONCS, byte 520) -------
  bool compare = false;            // ONCS bit 0, opcode 05h
  bool dataset_management = true;  // ONCS bit 2, opcode 09h (deallocate)
  bool write_zeroes = true;        // ONCS bit 3, opcode 08h
  bool verify = false;             // ONCS bit 7, opcode 0Ch

  // --- Volatile write cache (Identify Controller VWC, byte 525) ---------------
  // Present: VWC bit 0, Get/Set Features 06h, Linux sends Flush and FUA.
  bool volatile_write_cache = true;
  // Flush with NSID FFFFFFFFh flushes every namespace: VWC bits 2:1 = 11b,
  // else 10b (the controller fails such a Flush with Invalid Namespace).
  bool flush_broadcast = false;

  // --- Admin commands ----------------------------------------------------------
  // Doorbell Buffer Config (7Ch): OACS bit 8.
  bool doorbell_buffer_config = true;
  // Keep Alive (18h) and the Keep Alive Timer feature (0Fh): KAS = 1 (100 ms
  // granularity). The controller must then complete Keep Alive commands
  // (successfully; a PCIe controller need not enforce the timer).
  bool keep_alive = true;
  uint8_t abort_command_limit = 3;  // ACL (0's based): Abort commands outstanding at once
  uint8_t async_event_request_limit = 3;  // AERL (0's based)

  // --- Zoned Namespace command set (issue 12) ------------------------------------
  // CSI 2 offered: Identify CNS 1Ch vector 0 gets bit 2; host-managed
  // namespaces report CSI 2 (namespace_csi()); Get Log Page 05h answers
  // CSI 2 with the NVM opcodes plus zoned_io_opcodes.
  bool zoned_command_set = false;
  std::vector<uint8_t> zoned_io_opcodes;  // kZonedIoOpcodes when the controller serves them
  // ZASL (Identify Controller CNS 06h CSI 2, byte 0): the Zone Append size
  // limit is 2^ZASL 4 KiB pages; 0 = MDTS. zone_append_size_limit() in
  // zns_commands.h derives it from the namespaces' max append size; Zone
  // Append above it is Invalid Field (decode_zone_append).
  uint8_t zone_append_size_limit = 0;
  // OAES bit 27 (Zone Descriptor Changed Notices) and the matching Async
  // Event Configuration bit.
  bool zone_descriptor_changed_notices = false;
};

// The Zoned Namespace command set's own I/O opcodes: Zone Management Send
// 79h, Zone Management Receive 7Ah, Zone Append 7Dh (ZNS 1.1 figure "Opcodes
// for Zoned Namespace Commands").
inline constexpr uint8_t kZonedIoOpcodes[] = {io_opcode::kZoneManagementSend,
                                              io_opcode::kZoneManagementReceive,
                                              io_opcode::kZoneAppend};

// The command set a namespace belongs to (its CSI descriptor, Identify CNS
// 03h): csi::kZoned for a host-managed device when caps.zoned_command_set,
// csi::kNvm otherwise (plain disks, and every disk before issue 12).
uint8_t namespace_csi(const NamespaceConfig& ns, const AdminCapabilities& caps);

// Whether a deallocated (Dataset Management AD, Write Zeroes DEAC) block of
// `ns` reads as zeros: true for non-zoned namespaces (ZonedQueue::discard
// zero-fills conventional zones on emulated devices, and every non-zoned
// device is emulated); false for zoned ones (sequential zones ignore
// discards). Identify Namespace DLFEAT follows it.
bool deallocate_reads_zeroes(const NamespaceConfig& ns);

// The admin opcodes the controller implements (admin_opcode::*), in
// ascending order: the queue commands, Get Log Page, Identify, Abort, Set and
// Get Features, Asynchronous Event Request, plus Keep Alive and Doorbell
// Buffer Config as caps says.
std::vector<uint8_t> admin_opcodes(const AdminCapabilities& caps);

// The I/O opcodes of command set `csi` (io_opcode::*), ascending: Flush,
// Write, Read and the ONCS ones for csi::kNvm; those plus
// caps.zoned_io_opcodes for csi::kZoned when caps.zoned_command_set. Empty
// for a command set the controller does not offer.
std::vector<uint8_t> io_opcodes(const AdminCapabilities& caps, uint8_t csi);

// Whether the controller offers I/O command set `csi` (Identify CNS 05h/06h/
// 07h, Get Log Page 05h).
bool command_set_supported(const AdminCapabilities& caps, uint8_t csi);

}  // namespace zvmm::nvme

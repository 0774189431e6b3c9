// Identify (admin opcode 06h) data structures, built from a controller's
// configuration: NVMe Base Specification 2.0 section 5.17 (Identify command,
// figure "CNS Values"), NVM Command Set Specification 1.0 section 4.1.5
// (I/O Command Set specific structures for CSI 00h). Which fields Linux 6.12
// and nvme-cli read, and zvmm's chosen values, are in
// /work/shared/notes/nvme-zns.md sections 2.1, 6.2 and 6.3.
//
// Every structure is 4096 bytes, little-endian, zero where not set. Units:
// sizes in logical blocks of the namespace (NSZE/NCAP/NUSE), temperatures in
// kelvin, MDTS in powers of two of the 4 KiB memory page.
//
// The CNS values zvmm answers (anything else: Invalid Field in Command, DNR):
//   00h Identify Namespace (NVM)      NSID 1..NN; inactive NSID -> all zeros
//   01h Identify Controller           NSID ignored
//   02h Active Namespace ID list      NSID = list ids > NSID; FFFFFFFEh/FFFFFFFFh invalid
//   03h Namespace Identification Descriptor list   active NSID only
//   05h I/O Command Set specific Identify Namespace (CSI 0 NVM, CSI 2 ZNS)
//   06h I/O Command Set specific Identify Controller (CSI 0 NVM, CSI 2 ZNS)
//   07h I/O Command Set specific Active Namespace ID list (CSI 0 or 2)
//   08h I/O Command Set Independent Identify Namespace
//   1Ch I/O Command Set data structure (vector 0 only)
// "Invalid NSID" below means 0, above NN (kMaxNamespaces) or FFFFFFFFh where
// the broadcast value is not allowed; it fails with Invalid Namespace or
// Format (0Bh), DNR.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "devices/nvme/admin_capabilities.h"
#include "devices/nvme/admin_reply.h"
#include "devices/nvme/controller_config.h"
#include "devices/nvme/nvme_command.h"

namespace zvmm::nvme {

inline constexpr size_t kIdentifyBytes = 4096;
using IdentifyData = std::array<uint8_t, kIdentifyBytes>;

// Controller or Namespace Structure values (Identify CDW10 bits 7:0).
namespace cns {
inline constexpr uint8_t kNamespace = 0x00;
inline constexpr uint8_t kController = 0x01;
inline constexpr uint8_t kActiveNamespaceList = 0x02;
inline constexpr uint8_t kNamespaceDescriptorList = 0x03;
inline constexpr uint8_t kCsNamespace = 0x05;
inline constexpr uint8_t kCsController = 0x06;
inline constexpr uint8_t kCsActiveNamespaceList = 0x07;
inline constexpr uint8_t kCsIndependentNamespace = 0x08;
inline constexpr uint8_t kIoCommandSet = 0x1c;
}  // namespace cns

// Composite temperature thresholds (Identify Controller WCTEMP/CCTEMP,
// kelvin): 70 and 100 degrees Celsius, what Linux's hwmon shows.
inline constexpr uint16_t kWarningTemperatureK = 0x157;
inline constexpr uint16_t kCriticalTemperatureK = 0x175;
// The composite temperature zvmm reports (SMART log): 300 K, 27 degrees C.
inline constexpr uint16_t kCompositeTemperatureK = 300;
// Power state 0 maximum power (PSD0 MP), centiwatts: 25 W.
inline constexpr uint16_t kPowerState0Centiwatts = 2500;

// The namespace `nsid` of `config`, or nullptr if it is not active.
const NamespaceConfig* find_namespace(const ControllerConfig& config, uint32_t nsid);

// CNS 01h. Byte offsets (spec figure "Identify Controller Data Structure"):
// VID 0 and SSVID 2 = kPciVendorId; SN 4 (20), MN 24 (40), FR 64 (8) ASCII
// space padded; RAB 72 = 6; IEEE 73 = 000000h (zvmm owns no OUI); CMIC 76 = 0;
// MDTS 77 = config.mdts; CNTLID 78; VER 80 = kVersion (1.4.0); OAES 92 = bit 8
// (Namespace Attribute Notices) | bit 27 if caps.zone_descriptor_changed_notices;
// CTRATT 96 = 0; CNTRLTYPE 111 = 1 (I/O controller); OACS 256 = bit 8 if
// caps.doorbell_buffer_config; ACL 258, AERL 259 from caps; FRMW 260 = 03h (one
// slot, slot 1 read-only); LPA 261 = bit 1 (Commands Supported and Effects) |
// bit 2 (extended data: NUMDU, LPO); ELPE 262 = kErrorLogEntries - 1; NPSS 263
// = 0; WCTEMP 266, CCTEMP 268; KAS 320 = 1 if caps.keep_alive; SQES 512 = 66h;
// CQES 513 = 44h; MAXCMD 514 = MQES + 1; NN 516 = kMaxNamespaces; ONCS 520 =
// Compare 0 / DSM 2 / Write Zeroes 3 / Verify 7 from caps, plus bit 4 (Save and
// Select fields of Set/Get Features); VWC 525 = bit 0 | bits 2:1 (11b broadcast
// Flush, else 10b) if caps.volatile_write_cache, else 0; SGLS 536 = 0;
// SUBNQN 768 (256, NUL padded); PSD0 2048: MP = kPowerState0Centiwatts.
IdentifyData identify_controller(const ControllerConfig& config, const AdminCapabilities& caps);

// CNS 00h for an active namespace, also for zoned ones (spec: every namespace
// of a command set built on NVM has one). NSZE 0 = NCAP 8 = NUSE 16 = device
// capacity in logical blocks; NSFEAT 24 = bit 3 (NGUID/EUI64 never reused);
// NLBAF 25 = 0; FLBAS 26 = 0; DLFEAT 33 = 09h (deallocated blocks read zeros,
// Write Zeroes DEAC supported) when deallocate_reads_zeroes(ns) and
// caps.write_zeroes, 01h when only reads zeros, else 0; NSATTR 99 bit 0 =
// device read-only; NGUID 104 (16); EUI64 120 (8); LBAF0 128 = MS 0, LBADS
// log2(logical block size) (9 or 12), RP 0.
IdentifyData identify_namespace(const NamespaceConfig& ns, const AdminCapabilities& caps);

// CNS 02h (csi empty) and 07h (only namespaces whose namespace_csi() is
// `csi`): active NSIDs greater than `after_nsid`, ascending, 4 bytes each, at
// most 1024, zero-terminated by the zero fill.
IdentifyData active_namespace_list(const ControllerConfig& config, const AdminCapabilities& caps,
                                   uint32_t after_nsid, std::optional<uint8_t> csi);

// CNS 03h: descriptors {NIDT 1, NIDL 1, 2 reserved, NID}: EUI64 (NIDT 1,
// NIDL 8) at 0, NGUID (2, 16) at 12, UUID (3, 16) at 32 when ns.uuid is not
// all zero, CSI (4, 1) = namespace_csi() next; then zeros (NIDL 0 ends the
// list). Every namespace carries the CSI descriptor (notes section 0 item 5).
IdentifyData namespace_descriptor_list(const NamespaceConfig& ns, const AdminCapabilities& caps);

// CNS 05h CSI 00h (NVM Command Set Identify Namespace: LBSTM 0, PIC 8,
// ELBAF 12): all zero, no protection information and no extended formats.
IdentifyData identify_namespace_nvm(const NamespaceConfig& ns);

// CNS 06h CSI 00h (NVM Command Set Identify Controller): VSL 0, WZSL 1,
// WUSL 2, DMRL 3, DMRSL 4 (4), DMSL 8 (8) all 0 = no limit beyond MDTS / the
// command's own fields (Linux then allows 256 DSM ranges, Write Zeroes up to
// max_hw_sectors).
IdentifyData identify_controller_nvm(const AdminCapabilities& caps);

// OZCS bit 0, Read Across Zone Boundaries: set, because both zoned devices
// read across zone boundaries (ZoneEngine::read walks zone by zone and only
// fails on an OFFLINE zone; HostZonedDevice reads the host block device,
// which Linux allows to cross zones), so a read crossing ZSLBA + ZSZE is not
// a Zone Boundary Error.
inline constexpr uint16_t kOzcsRazb = 1u << 0;

// CNS 05h CSI 02h, Zoned Namespace Command Set Identify Namespace (ZNS 1.1
// figure "Identify Namespace Data Structure, I/O Command Set specific"; notes
// section 5.1), for a namespace whose namespace_csi() is kZoned: ZOC 0 (2)
// = 0 (Linux hides the disk otherwise); OZCS 2 (2) = kOzcsRazb (ZRWASUP 0);
// MAR 4 (4) and MOR 8 (4), 0's based, FFFFFFFFh = no limit, from the
// device's max active / max open (ZnsNamespace::from: with only an active
// limit MOR = MAR, since Linux refuses MOR > MAR); RRL 12, FRL 16 and
// RRL1-3/FRL1-3 = 0 (reset/finish recommendations not implemented); ZRWA
// fields 44..52 = 0; LBAFE[0] at 2816: ZSZE (8) = zone size in LBAs (a power
// of two), ZDES 2824 (1) = 0 (no descriptor extensions). Every other LBAFE
// is zero (NLBAF is 0).
IdentifyData identify_namespace_zns(const NamespaceConfig& ns);

// CNS 06h CSI 02h, Zoned Namespace Command Set Identify Controller: ZASL 0
// (1) = caps.zone_append_size_limit (Zone Append size limit 2^ZASL 4 KiB
// pages, 0 = MDTS); the rest 0.
IdentifyData identify_controller_zns(const AdminCapabilities& caps);

// CNS 08h: NSFEAT 0 (as CNS 00h), NMIC 1 = 0, RESCAP 2 = 0, FPI 3 = 0,
// ANAGRPID 4 = 0, NSATTR 8 (read-only bit 0), NVMSETID 10 = 0, ENDGID 12 = 0,
// NSTAT 14 = 1 (namespace ready).
IdentifyData identify_namespace_independent(const NamespaceConfig& ns);

// CNS 1Ch: 512 I/O Command Set Vectors of 8 bytes; vector 0 = bit 0 (NVM) |
// bit 2 (Zoned Namespace) if caps.zoned_command_set; the others 0. Set
// Features 19h selects index 0.
IdentifyData io_command_set_list(const AdminCapabilities& caps);

// The Identify command: decodes CDW10 CNS (7:0) and CNTID (31:16), CDW11
// CNSSID (15:0) and CSI (31:24), CDW1 NSID, and builds the structure. CNTID
// and CNSSID are ignored (no CNS zvmm answers uses them). Statuses (all DNR):
//   unknown or unsupported CNS                     Invalid Field in Command
//   00h/05h/08h invalid NSID (0, > NN, FFFFFFFFh)  Invalid Namespace or Format
//   00h/05h/08h inactive NSID in 1..NN             success, all zeros
//   02h/07h NSID FFFFFFFEh or FFFFFFFFh            Invalid Namespace or Format
//   03h invalid NSID                               Invalid Namespace or Format
//   03h inactive NSID                              Invalid Field in Command (QEMU's answer)
//   05h/06h/07h CSI the controller does not offer  Invalid Field in Command
//   05h CSI 02h on an active NVM (CSI 0) namespace Invalid Field in Command (QEMU's answer)
// Success data: the 4096-byte structure.
AdminReply identify(const ControllerConfig& config, const Sqe& sqe,
                    const AdminCapabilities& caps = AdminCapabilities{});

}  // namespace zvmm::nvme

// virtio-blk wire format (virtio 1.3, 5.2): feature bits, request types,
// status codes, configuration layout and the zone report layout.
#pragma once

#include <cstdint>

namespace zvmm::virtio::blk {

namespace feature {
inline constexpr unsigned kSizeMax = 1;
inline constexpr unsigned kSegMax = 2;
inline constexpr unsigned kGeometry = 4;
inline constexpr unsigned kRo = 5;
inline constexpr unsigned kBlkSize = 6;
inline constexpr unsigned kFlush = 9;
inline constexpr unsigned kTopology = 10;
inline constexpr unsigned kConfigWce = 11;
inline constexpr unsigned kMq = 12;
inline constexpr unsigned kDiscard = 13;
inline constexpr unsigned kWriteZeroes = 14;
inline constexpr unsigned kLifetime = 15;
inline constexpr unsigned kSecureErase = 16;
inline constexpr unsigned kZoned = 17;
}  // namespace feature

namespace req {
inline constexpr uint32_t kIn = 0;
inline constexpr uint32_t kOut = 1;
inline constexpr uint32_t kFlush = 4;
inline constexpr uint32_t kGetId = 8;
inline constexpr uint32_t kGetLifetime = 10;
inline constexpr uint32_t kDiscard = 11;
inline constexpr uint32_t kWriteZeroes = 13;
inline constexpr uint32_t kSecureErase = 14;
inline constexpr uint32_t kZoneAppend = 15;
inline constexpr uint32_t kZoneReport = 16;
inline constexpr uint32_t kZoneOpen = 18;
inline constexpr uint32_t kZoneClose = 20;
inline constexpr uint32_t kZoneFinish = 22;
inline constexpr uint32_t kZoneReset = 24;
inline constexpr uint32_t kZoneResetAll = 26;
}  // namespace req

namespace status {
inline constexpr uint8_t kOk = 0;
inline constexpr uint8_t kIoErr = 1;
inline constexpr uint8_t kUnsupp = 2;
inline constexpr uint8_t kZoneInvalidCmd = 3;
inline constexpr uint8_t kZoneUnalignedWp = 4;
inline constexpr uint8_t kZoneOpenResource = 5;
inline constexpr uint8_t kZoneActiveResource = 6;
}  // namespace status

// struct virtio_blk_outhdr {le32 type; le32 ioprio; le64 sector}.
inline constexpr uint32_t kOutHeaderSize = 16;
// Zone append in-header {le64 append_sector; u8 status}: the sector at the start
// of the writable part, the status in its last byte (Linux pads it to 16).
inline constexpr uint32_t kAppendInHeaderMin = 9;
// GET_ID reply.
inline constexpr uint32_t kIdBytes = 20;
// Discard / write zeroes segment {le64 sector; le32 num_sectors; le32 flags}.
inline constexpr uint32_t kDiscardSegmentSize = 16;
inline constexpr uint32_t kDiscardFlagUnmap = 1;

// struct virtio_blk_config offsets.
namespace cfg {
inline constexpr uint32_t kCapacity = 0;
inline constexpr uint32_t kSizeMax = 8;
inline constexpr uint32_t kSegMax = 12;
inline constexpr uint32_t kGeometry = 16;
inline constexpr uint32_t kBlkSize = 20;
inline constexpr uint32_t kPhysicalBlockExp = 24;
inline constexpr uint32_t kAlignmentOffset = 25;
inline constexpr uint32_t kMinIoSize = 26;
inline constexpr uint32_t kOptIoSize = 28;
inline constexpr uint32_t kWriteback = 32;
inline constexpr uint32_t kNumQueues = 34;
inline constexpr uint32_t kMaxDiscardSectors = 36;
inline constexpr uint32_t kMaxDiscardSeg = 40;
inline constexpr uint32_t kDiscardSectorAlignment = 44;
inline constexpr uint32_t kMaxWriteZeroesSectors = 48;
inline constexpr uint32_t kMaxWriteZeroesSeg = 52;
inline constexpr uint32_t kWriteZeroesMayUnmap = 56;
inline constexpr uint32_t kMaxSecureEraseSectors = 60;
inline constexpr uint32_t kMaxSecureEraseSeg = 64;
inline constexpr uint32_t kSecureEraseSectorAlignment = 68;
inline constexpr uint32_t kZoneSectors = 72;
inline constexpr uint32_t kMaxOpenZones = 76;
inline constexpr uint32_t kMaxActiveZones = 80;
inline constexpr uint32_t kMaxAppendSectors = 84;
inline constexpr uint32_t kWriteGranularity = 88;
inline constexpr uint32_t kModel = 92;
inline constexpr uint32_t kSize = 96;
}  // namespace cfg

// Zone report: header {le64 nr_zones; u8 reserved[56]}, then descriptors
// {le64 z_cap; le64 z_start; le64 z_wp; u8 z_type; u8 z_state; u8 reserved[38]}.
namespace report {
inline constexpr uint32_t kHeaderSize = 64;
inline constexpr uint32_t kDescriptorSize = 64;
inline constexpr uint32_t kCap = 0;
inline constexpr uint32_t kStart = 8;
inline constexpr uint32_t kWp = 16;
inline constexpr uint32_t kType = 24;
inline constexpr uint32_t kState = 25;
}  // namespace report

}  // namespace zvmm::virtio::blk

#include "devices/nvme/log_pages.h"

#include <algorithm>
#include <cstring>

#include "base/le.h"
#include "devices/nvme/identify.h"

namespace zvmm::nvme {
namespace {

void store_u128(std::vector<uint8_t>& d, size_t at, uint64_t v) {
  store_le<uint64_t>(d, at, v);
  store_le<uint64_t>(d, at + 8, 0);
}

uint32_t io_effects(uint8_t opcode) {
  switch (opcode) {
    case 0x01:  // Write
    case 0x04:  // Write Uncorrectable
    case 0x08:  // Write Zeroes
    case 0x09:  // Dataset Management
    case 0x19:  // Copy
    case 0x79:  // Zone Management Send
    case 0x7d:  // Zone Append
      return effects::kCsupp | effects::kLbcc;
    default:
      return effects::kCsupp;
  }
}

}  // namespace

GetLogPageCommand parse_get_log_page(const Sqe& sqe) {
  const uint32_t cdw10 = sqe.cdw(10), cdw11 = sqe.cdw(11), cdw14 = sqe.cdw(14);
  GetLogPageCommand c;
  c.lid = cdw10 & 0xff;
  c.lsp = (cdw10 >> 8) & 0x7f;
  c.rae = (cdw10 >> 15) & 1;
  const uint64_t numd = ((uint64_t{cdw11 & 0xffff} << 16) | (cdw10 >> 16)) + 1;
  c.length = numd * 4;
  c.lsi = static_cast<uint16_t>(cdw11 >> 16);
  c.offset = (uint64_t{sqe.cdw(13)} << 32) | sqe.cdw(12);
  c.uuid_index = cdw14 & 0x7f;
  c.index_offset = (cdw14 >> 23) & 1;
  c.csi = static_cast<uint8_t>(cdw14 >> 24);
  c.nsid = sqe.nsid();
  return c;
}

uint64_t ErrorLog::record(const ErrorInformation& info) {
  std::lock_guard lock(mu_);
  ++count_;
  if (count_ == 0) count_ = 1;  // 2^64 errors later: 0 would mark the entry unused
  std::array<uint8_t, kErrorEntryBytes>& e = ring_[(count_ - 1) % kErrorLogEntries];
  e.fill(0);
  store_le<uint64_t>(e, 0, count_);
  store_le<uint16_t>(e, 8, info.sqid);
  store_le<uint16_t>(e, 10, info.cid);
  store_le<uint16_t>(e, 12, static_cast<uint16_t>((info.status.field() << 1) | (info.phase ? 1 : 0)));
  store_le<uint16_t>(e, 14, info.parameter_error_location);
  store_le<uint64_t>(e, 16, info.lba);
  store_le<uint32_t>(e, 24, info.nsid);
  store_le<uint64_t>(e, 32, info.command_specific);
  return count_;
}

uint64_t ErrorLog::error_count() const {
  std::lock_guard lock(mu_);
  return count_;
}

std::vector<uint8_t> ErrorLog::page() const {
  std::vector<uint8_t> d(kErrorLogBytes, 0);
  std::lock_guard lock(mu_);
  const uint64_t n = std::min<uint64_t>(count_, kErrorLogEntries);
  for (uint64_t i = 0; i < n; ++i) {
    const auto& e = ring_[(count_ - 1 - i) % kErrorLogEntries];
    std::memcpy(d.data() + i * kErrorEntryBytes, e.data(), kErrorEntryBytes);
  }
  return d;
}

std::vector<uint8_t> smart_log(const HealthCounters& health, const ErrorLog& errors,
                               const FeatureStore* features) {
  std::vector<uint8_t> d(kSmartLogBytes, 0);
  uint8_t critical = 0;
  if (features && (kCompositeTemperatureK > features->over_temperature_threshold() ||
                   kCompositeTemperatureK < features->under_temperature_threshold())) {
    critical |= 1u << 1;  // temperature above an over or below an under threshold
  }
  d[0] = critical;
  store_le<uint16_t>(d, 1, kCompositeTemperatureK);
  d[3] = 100;  // Available Spare
  d[4] = 10;   // Available Spare Threshold
  d[5] = 0;    // Percentage Used
  store_u128(d, 32, health.data_units_read());
  store_u128(d, 48, health.data_units_written());
  store_u128(d, 64, health.host_read_commands.load(std::memory_order_relaxed));
  store_u128(d, 80, health.host_write_commands.load(std::memory_order_relaxed));
  store_u128(d, 96, 0);  // Controller Busy Time
  store_u128(d, 112, health.power_cycles.load(std::memory_order_relaxed));
  store_u128(d, 128, health.power_on_hours());
  store_u128(d, 144, health.unsafe_shutdowns.load(std::memory_order_relaxed));
  store_u128(d, 160, health.media_errors.load(std::memory_order_relaxed));
  store_u128(d, 176, errors.error_count());
  return d;
}

std::vector<uint8_t> firmware_slot_log(const ControllerConfig& config) {
  std::vector<uint8_t> d(kFirmwareSlotLogBytes, 0);
  d[0] = 0x01;  // AFI: slot 1 active, no slot pending for the next reset
  for (size_t i = 0; i < 8; ++i) {
    d[8 + i] = static_cast<uint8_t>(i < config.firmware.size() ? config.firmware[i] : ' ');
  }
  return d;
}

std::vector<uint8_t> commands_supported_and_effects_log(std::span<const uint8_t> admin_opcodes,
                                                        std::span<const uint8_t> io_opcodes) {
  std::vector<uint8_t> d(kEffectsLogBytes, 0);
  for (uint8_t op : admin_opcodes) store_le<uint32_t>(d, 4 * size_t{op}, effects::kCsupp);
  for (uint8_t op : io_opcodes) store_le<uint32_t>(d, 1024 + 4 * size_t{op}, io_effects(op));
  return d;
}

namespace {

// The page from LPO, at most NUMD * 4 bytes, or the offset error.
AdminReply slice(const GetLogPageCommand& c, const std::vector<uint8_t>& page) {
  if (c.index_offset || c.offset % 4 != 0 || c.offset > page.size()) {
    return AdminReply::error(invalid_field());
  }
  const uint64_t n = std::min<uint64_t>(c.length, page.size() - c.offset);
  return AdminReply::with_data(std::vector<uint8_t>(page.begin() + c.offset, page.begin() + c.offset + n));
}

AdminReply changed_zone_list_log(const GetLogPageCommand& c, const LogPageSources& s) {
  if (c.csi != csi::kZoned) return AdminReply::error(invalid_field());
  const NamespaceConfig* ns = find_namespace(s.config, c.nsid);
  if (ns == nullptr) return AdminReply::error(Status::generic(GenericStatus::kInvalidNamespaceOrFormat));
  if (namespace_csi(*ns, s.caps) != csi::kZoned) return AdminReply::error(invalid_field());
  // Offset errors first: a failing read must not clear the list.
  if (c.index_offset || c.offset % 4 != 0 || c.offset > kChangedZoneListBytes) {
    return AdminReply::error(invalid_field());
  }
  ChangedZoneList* list = s.changed_zones ? s.changed_zones(c.nsid) : nullptr;
  if (list == nullptr) return slice(c, ChangedZoneList{}.page());
  return slice(c, c.rae ? list->page() : list->take_page());
}

}  // namespace

AdminReply get_log_page(const Sqe& sqe, const LogPageSources& s) {
  const GetLogPageCommand c = parse_get_log_page(sqe);
  if (c.lid == log_id::kChangedZoneList && s.caps.zoned_command_set) return changed_zone_list_log(c, s);
  std::vector<uint8_t> page;
  switch (c.lid) {
    case log_id::kErrorInformation:
      page = s.errors.page();
      break;
    case log_id::kSmartHealth:
      if (c.nsid != 0 && c.nsid != kBroadcastNsid) return AdminReply::error(invalid_field());
      page = smart_log(s.health, s.errors, s.features);
      break;
    case log_id::kFirmwareSlot:
      page = firmware_slot_log(s.config);
      break;
    case log_id::kChangedNamespaceList:
      page.assign(kChangedNamespaceListBytes, 0);
      break;
    case log_id::kCommandsSupportedAndEffects: {
      if (!command_set_supported(s.caps, c.csi)) return AdminReply::error(invalid_field());
      const std::vector<uint8_t> admin = admin_opcodes(s.caps);
      const std::vector<uint8_t> io = io_opcodes(s.caps, c.csi);
      page = commands_supported_and_effects_log(admin, io);
      break;
    }
    default:
      return AdminReply::error(specific_status(CommandSpecificStatus::kInvalidLogPage));
  }
  return slice(c, page);
}

}  // namespace zvmm::nvme

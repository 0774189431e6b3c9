// The MSI-X capability in config space (Message Control, table and PBA
// locations) and the routing of BAR accesses to the table and PBA. The owner
// (a transport) calls config_written() after guest config writes and offers
// each BAR access to read_bar()/write_bar() before its own registers.
#pragma once

#include <cstdint>
#include <span>

#include "devices/pci/config_space.h"
#include "devices/pci/msix_table.h"

namespace zvmm {

struct MsixLayout {
  uint8_t table_bar = 0;
  uint32_t table_offset = 0;  // 8-byte aligned
  uint8_t pba_bar = 0;
  uint32_t pba_offset = 0;  // 8-byte aligned
};

class MsixCapability {
 public:
  static constexpr uint8_t kId = 0x11;
  static constexpr uint16_t kControlEnable = 1 << 15;
  static constexpr uint16_t kControlFunctionMask = 1 << 14;

  // Appends the capability to `config`. The BARs must already be declared as
  // memory BARs large enough for the table and PBA. Throws PciError.
  // `config` and `table` must outlive this object (siblings in one device).
  MsixCapability(PciConfigSpace& config, MsixTable& table, const MsixLayout& layout);
  MsixCapability(const MsixCapability&) = delete;
  MsixCapability& operator=(const MsixCapability&) = delete;

  uint8_t offset() const { return offset_; }

  // After a guest write of `len` bytes at config `offset`: forwards a changed
  // Message Control to the table.
  void config_written(uint16_t offset, size_t len);

  // BAR accesses inside the table or PBA are handled here (true); others are
  // left to the caller (false).
  bool read_bar(uint8_t bar, uint64_t offset, std::span<uint8_t> data) const;
  bool write_bar(uint8_t bar, uint64_t offset, std::span<const uint8_t> data);

 private:
  PciConfigSpace& config_;
  MsixTable& table_;
  MsixLayout layout_;
  uint8_t offset_ = 0;
};

}  // namespace zvmm

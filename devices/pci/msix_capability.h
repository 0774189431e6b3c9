// The MSI-X capability in config space: Message Control (Enable, Function
// Mask) and where the table and PBA live. Functions use it through Msix
// (msix.h), which also routes BAR accesses to the table and PBA.
#pragma once

#include <cstdint>
#include <cstddef>

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

  const MsixLayout& layout() const { return layout_; }

 private:
  PciConfigSpace& config_;
  MsixTable& table_;
  MsixLayout layout_;
  uint8_t offset_ = 0;
};

}  // namespace zvmm

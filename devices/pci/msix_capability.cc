#include "devices/pci/msix_capability.h"

#include <string>

#include "devices/pci/pci_error.h"
#include "base/le.h"

namespace zvmm {

namespace {

void check_region(const PciConfigSpace& config, const char* what, uint8_t bar, uint32_t offset,
                  uint64_t bytes) {
  const auto spec = config.bar(bar);
  if (!spec || spec->kind == PciBarKind::kIo) {
    throw PciError(std::string("MSI-X ") + what + ": BAR" + std::to_string(bar) +
                   " is not a memory BAR");
  }
  if (offset % 8 != 0 || uint64_t{offset} + bytes > spec->size) {
    throw PciError(std::string("MSI-X ") + what + ": offset " + std::to_string(offset) +
                   " misaligned or beyond BAR" + std::to_string(bar));
  }
}

}  // namespace

MsixCapability::MsixCapability(PciConfigSpace& config, MsixTable& table, const MsixLayout& layout)
    : config_(config), table_(table), layout_(layout) {
  check_region(config, "table", layout.table_bar, layout.table_offset, table.table_bytes());
  check_region(config, "PBA", layout.pba_bar, layout.pba_offset, table.pba_bytes());
  if (layout.table_bar == layout.pba_bar &&
      layout.table_offset < layout.pba_offset + table.pba_bytes() &&
      layout.pba_offset < layout.table_offset + table.table_bytes()) {
    throw PciError("MSI-X: table and PBA overlap");
  }
  uint8_t body[10] = {};
  store_le(std::span(body), 0, static_cast<uint16_t>(table.vectors() - 1));
  store_le(std::span(body), 2, layout.table_offset | layout.table_bar);
  store_le(std::span(body), 6, layout.pba_offset | layout.pba_bar);
  uint8_t mask[10] = {};
  store_le(std::span(mask), 0, static_cast<uint16_t>(kControlEnable | kControlFunctionMask));
  offset_ = config.add_capability(kId, body, mask);
}

void MsixCapability::config_written(uint16_t offset, size_t len) {
  const uint16_t control = offset_ + 2;
  if (offset >= control + 2 || offset + len <= control) return;
  const uint16_t value = config_.read16(control);
  table_.set_control(value & kControlEnable, value & kControlFunctionMask);
}

}  // namespace zvmm

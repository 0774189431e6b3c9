#include "devices/pci/msix.h"

namespace zvmm {

namespace {

bool inside(uint64_t offset, size_t len, uint64_t start, uint64_t size) {
  return offset >= start && offset - start < size && len <= size - (offset - start);
}

}  // namespace

Msix::Msix(PciConfigSpace& config, uint16_t vectors, std::shared_ptr<InterruptSourceGroup> group,
           const MsixLayout& layout)
    : layout_(layout), table_(vectors, std::move(group)), capability_(config, table_, layout) {}

bool Msix::read_bar(uint8_t bar, uint64_t offset, std::span<uint8_t> data) const {
  if (bar == layout_.table_bar &&
      inside(offset, data.size(), layout_.table_offset, table_.table_bytes())) {
    table_.read_table(offset - layout_.table_offset, data);
    return true;
  }
  if (bar == layout_.pba_bar && inside(offset, data.size(), layout_.pba_offset, table_.pba_bytes())) {
    table_.read_pba(offset - layout_.pba_offset, data);
    return true;
  }
  return false;
}

bool Msix::write_bar(uint8_t bar, uint64_t offset, std::span<const uint8_t> data) {
  if (bar == layout_.table_bar &&
      inside(offset, data.size(), layout_.table_offset, table_.table_bytes())) {
    table_.write_table(offset - layout_.table_offset, data);
    return true;
  }
  if (bar == layout_.pba_bar && inside(offset, data.size(), layout_.pba_offset, table_.pba_bytes())) {
    return true;  // read-only
  }
  return false;
}

}  // namespace zvmm

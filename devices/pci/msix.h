// MSI-X for a PCI function in one member: the vector table and PBA
// (MsixTable), the capability in config space (MsixCapability) and the
// routing of BAR accesses to the table and PBA. A function (virtio-pci
// transport, NVMe controller) declares the memory BAR(s) that hold the table
// and PBA, constructs this after its config space, and wires three calls:
//
//   void write_config(uint16_t off, std::span<const uint8_t> d) override {
//     config_.write(off, d);
//     msix_.config_written(off, d.size());           // Enable / Function Mask
//   }
//   void read_bar(uint8_t bar, uint64_t off, std::span<uint8_t> d) override {
//     if (msix_.read_bar(bar, off, d)) return;        // table or PBA
//     ...                                             // the function's registers
//   }
//   (write_bar likewise), and raises vectors with msix_.trigger(v) from any thread.
//
// The table and PBA may share a BAR with registers and doorbells (NVMe puts
// them in BAR0 after the doorbells): only accesses wholly inside the table or
// PBA are claimed.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "devices/interrupt.h"
#include "devices/pci/config_space.h"
#include "devices/pci/msix_capability.h"
#include "devices/pci/msix_table.h"

namespace zvmm {

class Msix {
 public:
  // Bytes a table / PBA of `vectors` vectors takes (to size the BAR).
  static constexpr uint64_t table_bytes(uint16_t vectors) {
    return uint64_t{MsixTable::kEntrySize} * vectors;
  }
  static constexpr uint64_t pba_bytes(uint16_t vectors) { return 8 * ((uint64_t{vectors} + 63) / 64); }

  // `vectors` vectors (1..2048) delivered through `group` (at least `vectors`
  // sources), all masked, MSI-X disabled. Appends the capability to `config`,
  // whose memory BARs must already hold the table and PBA at `layout`. Throws
  // PciError. `config` must outlive this object.
  Msix(PciConfigSpace& config, uint16_t vectors, std::shared_ptr<InterruptSourceGroup> group,
       const MsixLayout& layout);
  Msix(const Msix&) = delete;
  Msix& operator=(const Msix&) = delete;

  // After a guest config write of `len` bytes at `offset` (already applied to
  // the config space): picks up Message Control changes.
  void config_written(uint16_t offset, size_t len) { capability_.config_written(offset, len); }

  // BAR accesses wholly inside the table or PBA are handled here (true);
  // others are left to the caller (false). PBA writes are ignored.
  bool read_bar(uint8_t bar, uint64_t offset, std::span<uint8_t> data) const;
  bool write_bar(uint8_t bar, uint64_t offset, std::span<const uint8_t> data);

  // Device side, any thread: raise `vector` (MsixTable::trigger: delivered,
  // or left pending while masked, or dropped while MSI-X is disabled).
  bool trigger(uint16_t vector) { return table_.trigger(vector); }

  uint16_t vectors() const { return table_.vectors(); }
  const MsixLayout& layout() const { return layout_; }
  uint8_t capability_offset() const { return capability_.offset(); }
  MsixTable& table() { return table_; }
  const MsixTable& table() const { return table_; }

 private:
  MsixLayout layout_;
  MsixTable table_;
  MsixCapability capability_;
};

}  // namespace zvmm

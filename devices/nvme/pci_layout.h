// BAR0 of zvmm's NVMe PCI function, for the PCI wrapper (the register file in
// controller_regs.h knows nothing about MSI-X): one 64-bit memory BAR with
//   000h..FFFh   controller registers (ControllerRegisters)
//   1000h..      doorbells of queues 0..N (CAP.DSTRD 0: 8 bytes per queue pair)
//   table        MSI-X table, 4 KiB aligned, after the doorbells
//   pba          MSI-X PBA, 4 KiB aligned, after the table
// and the BAR size rounded up to a power of two (PCI BARs are) and to at
// least 2000h: Linux maps 1000h + 4096 bytes at probe and gives up with
// -ENODEV on a smaller BAR, then remaps 1000h + (N + 1) * 8 bytes for the
// doorbells (/work/shared/notes/nvme-zns.md section 1.1). QEMU lays its BAR0
// out the same way (nvme_mbar_size). Keeping the table and PBA off the
// doorbells' and each other's 4 KiB pages follows the PCIe recommendation for
// MSI-X structures.
#pragma once

#include <cstdint>

#include "devices/pci/msix_capability.h"

namespace zvmm::nvme {

inline constexpr uint8_t kRegisterBar = 0;  // BAR0/1 (64-bit)

struct Bar0Layout {
  uint64_t doorbells_end = 0;      // first byte after the last doorbell
  uint32_t msix_table_offset = 0;  // [bytes], 4 KiB aligned
  uint32_t msix_pba_offset = 0;    // [bytes], 4 KiB aligned
  uint64_t size = 0;               // [bytes], power of two, >= 2000h
  // The table and PBA as MsixCapability wants them (both in BAR0).
  MsixLayout msix() const {
    return {.table_bar = kRegisterBar,
            .table_offset = msix_table_offset,
            .pba_bar = kRegisterBar,
            .pba_offset = msix_pba_offset};
  }
};

// BAR0 for `io_queue_pairs` I/O queue pairs (1..65535; queue 0, the admin
// pair, comes on top) and `msix_vectors` MSI-X vectors (1..2048). Throws
// std::invalid_argument outside those ranges (a configuration error).
Bar0Layout bar0_layout(uint16_t io_queue_pairs, uint16_t msix_vectors);

}  // namespace zvmm::nvme

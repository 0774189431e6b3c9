#include "devices/nvme/pci_layout.h"

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <string>

#include "devices/nvme/controller_regs.h"
#include "devices/pci/msix.h"
#include "devices/pci/msix_table.h"

namespace zvmm::nvme {

namespace {

constexpr uint64_t kAlign = 4096;
constexpr uint64_t kMinBar0 = 0x2000;

constexpr uint64_t align_up(uint64_t v) { return (v + kAlign - 1) & ~(kAlign - 1); }

}  // namespace

Bar0Layout bar0_layout(uint16_t io_queue_pairs, uint16_t msix_vectors) {
  if (io_queue_pairs == 0) {
    throw std::invalid_argument("NVMe controller needs at least one I/O queue pair");
  }
  if (msix_vectors == 0 || msix_vectors > MsixTable::kMaxVectors) {
    throw std::invalid_argument("NVMe MSI-X vectors " + std::to_string(msix_vectors) +
                                " outside 1.." + std::to_string(MsixTable::kMaxVectors));
  }
  Bar0Layout l;
  l.doorbells_end = doorbells_end(io_queue_pairs);
  const uint64_t table = align_up(l.doorbells_end);
  const uint64_t pba = align_up(table + Msix::table_bytes(msix_vectors));
  // At most 1000h + 65536 * 8 + 2048 * 16 + 4 KiB alignment: fits 32 bits.
  l.msix_table_offset = static_cast<uint32_t>(table);
  l.msix_pba_offset = static_cast<uint32_t>(pba);
  l.size = std::bit_ceil(std::max(kMinBar0, pba + Msix::pba_bytes(msix_vectors)));
  return l;
}

}  // namespace zvmm::nvme

// The BIOS e820 memory map the guest kernel receives in boot_params.
#pragma once

#include <cstdint>
#include <vector>

namespace zvmm {

enum class E820Type : uint32_t {
  kRam = 1,
  kReserved = 2,
  kAcpi = 3,
};

struct E820Entry {
  uint64_t addr = 0;
  uint64_t size = 0;
  E820Type type = E820Type::kRam;

  bool operator==(const E820Entry&) const = default;
};

// RAM [0, kEbdaStart), reserved [kEbdaStart, 1 MiB), RAM from 1 MiB to the
// 32-bit MMIO hole (or the end of RAM), the PCI ECAM window and the status
// page (layout::kStatusMmioStart) reserved, and RAM
// above 4 GiB when the guest is larger than the space below the hole.
std::vector<E820Entry> build_e820_map(uint64_t ram_bytes);

}  // namespace zvmm

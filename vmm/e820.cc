#include "vmm/e820.h"

#include "vmm/layout.h"

namespace zvmm {

std::vector<E820Entry> build_e820_map(uint64_t ram_bytes) {
  using namespace layout;
  std::vector<E820Entry> map;
  const uint64_t low = low_ram_bytes(ram_bytes);
  map.push_back({0, kEbdaStart, E820Type::kRam});
  map.push_back({kEbdaStart, kBiosAreaEnd - kEbdaStart, E820Type::kReserved});
  if (low > kHighMemoryStart) {
    map.push_back({kHighMemoryStart, low - kHighMemoryStart, E820Type::kRam});
  }
  map.push_back({kPciEcamStart, kPciEcamSize, E820Type::kReserved});
  map.push_back({kStatusMmioStart, kStatusMmioSize, E820Type::kReserved});
  if (const uint64_t high = high_ram_bytes(ram_bytes); high > 0) {
    map.push_back({kHighRamStart, high, E820Type::kRam});
  }
  return map;
}

}  // namespace zvmm

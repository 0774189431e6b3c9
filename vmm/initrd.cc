#include "vmm/initrd.h"

#include <algorithm>
#include <string>

#include "vmm/boot_errors.h"
#include "vmm/layout.h"

namespace zvmm {

namespace {
constexpr uint64_t kPartAlignment = 4;
constexpr uint64_t kPageSize = 4096;

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

std::string mib(uint64_t bytes) { return std::to_string((bytes + layout::MiB - 1) >> 20) + " MiB"; }
}  // namespace

uint64_t initrd_total_size(const std::vector<uint64_t>& part_sizes) {
  uint64_t total = 0;
  for (const uint64_t size : part_sizes) total = align_up(total, kPartAlignment) + size;
  return total;
}

uint64_t initrd_total_size(const std::vector<std::vector<uint8_t>>& parts) {
  std::vector<uint64_t> sizes;
  for (const auto& p : parts) sizes.push_back(p.size());
  return initrd_total_size(sizes);
}

InitrdPlacement load_initrd_files(const std::vector<ImageFile>& files, const GuestMemory& memory,
                                  uint64_t lowest, uint32_t initrd_addr_max) {
  std::vector<uint64_t> sizes;
  for (const auto& f : files) sizes.push_back(f.size());
  const InitrdPlacement placement =
      place_initrd(initrd_total_size(sizes), memory.ram_bytes(), lowest, initrd_addr_max);
  if (placement.size == 0) return placement;
  auto dest = memory.checked_slice(placement.address, placement.size, "initrd");
  uint64_t offset = 0;
  for (const auto& f : files) {
    const uint64_t aligned = align_up(offset, kPartAlignment);
    std::fill(dest.begin() + static_cast<ptrdiff_t>(offset), dest.begin() + static_cast<ptrdiff_t>(aligned), 0);
    f.read_at(0, dest.subspan(aligned, f.size()));
    offset = aligned + f.size();
  }
  return placement;
}

InitrdPlacement place_initrd(uint64_t total_size, uint64_t ram_bytes, uint64_t lowest,
                             uint32_t initrd_addr_max) {
  if (total_size == 0) return {};
  const uint64_t limit = std::min<uint64_t>(layout::low_ram_bytes(ram_bytes),
                                            static_cast<uint64_t>(initrd_addr_max) + 1);
  const uint64_t lowest_aligned = align_up(lowest, kPageSize);
  if (total_size > limit || (limit - total_size) / kPageSize * kPageSize < lowest_aligned) {
    throw MemoryTooSmallError("guest memory of " + std::to_string(ram_bytes >> 20) +
                              " MiB is too small for the kernel (" + mib(lowest) +
                              ") plus the initrd (" + mib(total_size) + ")");
  }
  const uint64_t address = (limit - total_size) / kPageSize * kPageSize;
  return {address, total_size};
}

InitrdPlacement load_initrds(const std::vector<std::vector<uint8_t>>& parts,
                             const GuestMemory& memory, uint64_t lowest,
                             uint32_t initrd_addr_max) {
  const InitrdPlacement placement =
      place_initrd(initrd_total_size(parts), memory.ram_bytes(), lowest, initrd_addr_max);
  if (placement.size == 0) return placement;
  auto dest = memory.checked_slice(placement.address, placement.size, "initrd");
  std::fill(dest.begin(), dest.end(), 0);
  uint64_t offset = 0;
  for (const auto& p : parts) {
    offset = align_up(offset, kPartAlignment);
    std::copy(p.begin(), p.end(), dest.begin() + static_cast<ptrdiff_t>(offset));
    offset += p.size();
  }
  return placement;
}

}  // namespace zvmm

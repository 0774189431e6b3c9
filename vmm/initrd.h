// Initial RAM disks: one or more files (typically newc cpio archives, which the
// kernel unpacks in sequence) placed back to back, each starting on a 4-byte
// boundary, as one page-aligned block at the top of low RAM, below the
// kernel's initrd_addr_max.
#pragma once

#include <cstdint>
#include <vector>

#include "vmm/guest_memory.h"
#include "vmm/image_file.h"

namespace zvmm {

struct InitrdPlacement {
  uint64_t address = 0;
  uint64_t size = 0;  // 0: no initrd

  bool operator==(const InitrdPlacement&) const = default;
};

// Bytes the parts occupy back to back with each part 4-byte aligned.
uint64_t initrd_total_size(const std::vector<std::vector<uint8_t>>& parts);

// Chooses the block's address: as high as possible with its end at or below
// min(low RAM end, initrd_addr_max + 1), page aligned, not below `lowest`.
// Throws MemoryTooSmallError if it does not fit.
InitrdPlacement place_initrd(uint64_t total_size, uint64_t ram_bytes, uint64_t lowest,
                             uint32_t initrd_addr_max);

// Bytes the parts of these sizes occupy back to back, each 4-byte aligned.
uint64_t initrd_total_size(const std::vector<uint64_t>& part_sizes);

// Places the files and reads each straight into guest memory (no staging
// buffer: the initrd is often ~100 MB). Guest memory must be freshly mapped
// (zero): only the alignment gaps between parts are cleared. Returns {0, 0} for
// no files.
InitrdPlacement load_initrd_files(const std::vector<ImageFile>& files, const GuestMemory& memory,
                                  uint64_t lowest, uint32_t initrd_addr_max);

// Places and copies the parts. Returns {0, 0} for no parts.
InitrdPlacement load_initrds(const std::vector<std::vector<uint8_t>>& parts,
                             const GuestMemory& memory, uint64_t lowest,
                             uint32_t initrd_addr_max);

}  // namespace zvmm

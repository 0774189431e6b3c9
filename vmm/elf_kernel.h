// Booting an uncompressed ELF vmlinux directly (Firecracker's way): each PT_LOAD
// segment is copied to its physical address (p_paddr) and the vCPU enters at
// e_entry, the kernel's physical 64-bit startup (startup_64), in long mode on
// the identity page tables with RSI -> boot_params, exactly like the bzImage
// 64-bit entry. This skips the bzImage decompressor, which under nested
// virtualization is a large share of the boot (docs/performance.md).
//
// A vmlinux has no setup header: boot_params gets a synthetic one
// (elf_setup_header) with the boot protocol defaults.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "vmm/bzimage.h"
#include "vmm/guest_memory.h"
#include "vmm/image_file.h"

namespace zvmm {

namespace elf {
inline constexpr size_t kEhdrSize = 64;  // Elf64_Ehdr
inline constexpr size_t kPhdrSize = 56;  // Elf64_Phdr
inline constexpr uint16_t kMachineX86_64 = 62;
inline constexpr uint16_t kTypeExec = 2;
inline constexpr uint32_t kPtLoad = 1;
// At most this many program headers are read (vmlinux has about 5).
inline constexpr uint16_t kMaxPhdrs = 64;
}  // namespace elf

// True if `prefix` (the first bytes of a file) starts with the ELF magic.
bool is_elf(std::span<const uint8_t> prefix);

struct ElfLoadSegment {
  uint64_t file_offset = 0;
  uint64_t paddr = 0;
  uint64_t file_size = 0;
  uint64_t mem_size = 0;

  bool operator==(const ElfLoadSegment&) const = default;
};

struct ElfKernel {
  uint64_t entry = 0;
  std::vector<ElfLoadSegment> segments;  // PT_LOAD only, memsz > 0
  // The first byte above every segment.
  uint64_t end() const;
};

// Reads and validates the ELF header and program headers: ELF64, little
// endian, x86-64, ET_EXEC, every PT_LOAD inside the file and at or above
// layout::kHighMemoryStart, e_entry inside a loaded segment. Throws
// BootImageError saying what is wrong.
ElfKernel parse_elf_kernel(const ImageFile& file);

// Copies the segments to guest memory (zeroing each p_memsz tail). Returns
// entry = e_entry and reserved_end = the kernel's end rounded up to a page.
// Throws MemoryTooSmallError if the kernel does not fit in low RAM.
LoadedKernel load_elf_kernel(const ImageFile& file, const ElfKernel& kernel, const GuestMemory& memory);

// The setup header bytes [0x1f1, setup_header::kEnd) for boot_params of a kernel
// without one: boot flag, "HdrS", protocol 2.15, LOADED_HIGH, the default
// initrd_addr_max (0x7fffffff), kernel_alignment 16 MiB and cmdline_size 2047
// (x86 COMMAND_LINE_SIZE 2048 with the NUL).
inline constexpr uint32_t kElfCmdlineSize = 2047;
inline constexpr uint32_t kElfInitrdAddrMax = 0x7fff'ffff;
std::vector<uint8_t> elf_setup_header();

}  // namespace zvmm

// Linux bzImage parsing and loading (Documentation/arch/x86/boot.rst).
//
// zvmm enters the kernel at its 64-bit entry point (load address + 0x200), so it
// needs boot protocol >= 2.12 with XLF_KERNEL_64 and a kernel that may be loaded
// high (LOADED_HIGH). The real-mode setup code is not run: the VMM builds
// boot_params itself (boot_params.h) from the image's setup header.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "vmm/guest_memory.h"

namespace zvmm {

// Offsets into the bzImage file (equal to their offsets in struct boot_params).
namespace setup_header {
inline constexpr size_t kSetupSects = 0x1f1;
inline constexpr size_t kBootFlag = 0x1fe;
inline constexpr size_t kJump = 0x200;
inline constexpr size_t kHeaderMagic = 0x202;
inline constexpr size_t kVersion = 0x206;
inline constexpr size_t kLoadflags = 0x211;
inline constexpr size_t kInitrdAddrMax = 0x22c;
inline constexpr size_t kKernelAlignment = 0x230;
inline constexpr size_t kRelocatableKernel = 0x234;
inline constexpr size_t kXloadflags = 0x236;
inline constexpr size_t kCmdlineSize = 0x238;
inline constexpr size_t kPrefAddress = 0x258;
inline constexpr size_t kInitSize = 0x260;
// The header's last field in protocol 2.15 ends here.
inline constexpr size_t kEnd = 0x268;

inline constexpr uint16_t kBootFlagValue = 0xaa55;
inline constexpr uint32_t kMagic = 0x5372'6448;  // "HdrS"
inline constexpr uint16_t kMinimumVersion = 0x020c;  // 2.12
inline constexpr uint8_t kLoadedHigh = 0x01;
inline constexpr uint16_t kXlfKernel64 = 0x01;
}  // namespace setup_header

// Offset of the 64-bit entry point from the protected-mode kernel's load address.
inline constexpr uint64_t kKernel64EntryOffset = 0x200;

struct BzImage {
  std::vector<uint8_t> file;
  uint8_t setup_sects = 0;
  uint16_t version = 0;
  uint8_t loadflags = 0;
  uint16_t xloadflags = 0;
  uint32_t initrd_addr_max = 0;
  uint32_t kernel_alignment = 0;
  bool relocatable = false;
  uint32_t cmdline_size = 0;
  uint64_t pref_address = 0;
  uint32_t init_size = 0;

  // The setup header bytes as the image has them, [0x1f1, 0x202 + file[0x201]),
  // to be copied into boot_params at the same offset.
  std::span<const uint8_t> setup_header_bytes() const;
  // The protected-mode kernel, after the (1 + setup_sects) 512-byte setup sectors.
  std::span<const uint8_t> protected_mode_kernel() const;
};

// Validates and parses a bzImage. Throws BootImageError with the reason.
BzImage parse_bzimage(std::vector<uint8_t> file);

struct LoadedKernel {
  uint64_t load_address = 0;
  uint64_t entry = 0;
  // The first byte the kernel does not claim while it decompresses and
  // relocates itself: an initrd must start at or above it.
  uint64_t reserved_end = 0;
};

// Copies the protected-mode kernel to layout::kHighMemoryStart. Throws
// MemoryTooSmallError if the kernel and its init_size do not fit in RAM.
LoadedKernel load_bzimage(const BzImage& image, const GuestMemory& memory);

}  // namespace zvmm

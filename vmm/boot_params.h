// struct boot_params (the "zero page") for the 64-bit boot protocol, built from
// the bzImage's setup header plus what the VMM decides: command line, initrd,
// e820 map. Written at layout::kZeroPageStart; RSI points there at entry.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "vmm/bzimage.h"
#include "vmm/e820.h"
#include "vmm/guest_memory.h"
#include "vmm/initrd.h"

namespace zvmm {

namespace boot_params {
inline constexpr size_t kSize = 4096;
// Offsets of the fields zvmm fills (uapi asm/bootparam.h; checked in the test).
inline constexpr size_t kExtRamdiskImage = 0x0c0;
inline constexpr size_t kExtRamdiskSize = 0x0c4;
inline constexpr size_t kExtCmdLinePtr = 0x0c8;
inline constexpr size_t kE820Entries = 0x1e8;
inline constexpr size_t kTypeOfLoader = 0x210;
inline constexpr size_t kRamdiskImage = 0x218;
inline constexpr size_t kRamdiskSize = 0x21c;
inline constexpr size_t kCmdLinePtr = 0x228;
inline constexpr size_t kE820Table = 0x2d0;
inline constexpr size_t kE820EntrySize = 20;
inline constexpr size_t kE820MaxEntries = 128;
// "Undefined" boot loader id: the kernel makes no assumptions about the loader.
inline constexpr uint8_t kLoaderUndefined = 0xff;
}  // namespace boot_params

using BootParams = std::array<uint8_t, boot_params::kSize>;

// Builds the zero page around `setup_header` (the bytes from
// setup_header::kSetupSects on, copied to the same offset: a bzImage's own, or
// elf_setup_header() for a vmlinux). Throws BootConfigError if the e820 map has
// too many entries.
BootParams build_boot_params(std::span<const uint8_t> setup_header, uint64_t cmdline_address,
                             const InitrdPlacement& initrd, const std::vector<E820Entry>& e820);
BootParams build_boot_params(const BzImage& image, uint64_t cmdline_address,
                             const InitrdPlacement& initrd, const std::vector<E820Entry>& e820);

// Writes `cmdline` NUL terminated at layout::kCmdlineStart. Throws
// BootConfigError if it is longer than the kernel's cmdline_size allows.
void write_kernel_cmdline(const GuestMemory& memory, const std::string& cmdline,
                          uint32_t kernel_cmdline_size);

void write_boot_params(const GuestMemory& memory, const BootParams& params);

}  // namespace zvmm

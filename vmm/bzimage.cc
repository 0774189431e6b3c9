#include "vmm/bzimage.h"

#include <algorithm>
#include <string>

#include "vmm/boot_errors.h"
#include "base/hex.h"
#include "vmm/layout.h"
#include "base/le.h"

namespace zvmm {

namespace {

uint64_t align_up(uint64_t v, uint64_t alignment) {
  return alignment == 0 ? v : (v + alignment - 1) / alignment * alignment;
}

}  // namespace

std::span<const uint8_t> BzImage::setup_header_bytes() const {
  const size_t end = setup_header::kJump + 2 + file[setup_header::kJump + 1];
  return std::span<const uint8_t>(file).subspan(setup_header::kSetupSects,
                                                end - setup_header::kSetupSects);
}

std::span<const uint8_t> BzImage::protected_mode_kernel() const {
  const size_t setup_bytes = (static_cast<size_t>(setup_sects) + 1) * 512;
  return std::span<const uint8_t>(file).subspan(setup_bytes);
}

BzImage parse_bzimage(std::vector<uint8_t> file) {
  using namespace setup_header;
  auto invalid = [](const std::string& why) {
    return BootImageError("kernel is not a usable bzImage: " + why);
  };
  if (file.size() < kEnd) throw invalid("file is too small (" + std::to_string(file.size()) + " bytes)");
  if (load_le<uint16_t>(file, kBootFlag) != kBootFlagValue) throw invalid("no 0xAA55 boot flag at 0x1fe");
  if (load_le<uint32_t>(file, kHeaderMagic) != kMagic) {
    throw invalid("no \"HdrS\" setup header magic at 0x202 (a compressed or raw file? zvmm boots "
                  "bzImage and ELF vmlinux files)");
  }
  BzImage img;
  img.version = load_le<uint16_t>(file, kVersion);
  if (img.version < kMinimumVersion) {
    throw invalid("boot protocol " + std::to_string(img.version >> 8) + "." +
                  std::to_string(img.version & 0xff) + " is older than the 2.12 zvmm needs");
  }
  // A header jump that points past the end of the file is corrupt.
  if (kJump + 2 + file[kJump + 1] > file.size() || kJump + 2 + file[kJump + 1] < kEnd) {
    throw invalid("setup header length " + hex(file[kJump + 1]) + " is inconsistent");
  }
  img.setup_sects = file[kSetupSects] == 0 ? 4 : file[kSetupSects];
  img.loadflags = file[kLoadflags];
  img.xloadflags = load_le<uint16_t>(file, kXloadflags);
  img.initrd_addr_max = load_le<uint32_t>(file, kInitrdAddrMax);
  img.kernel_alignment = load_le<uint32_t>(file, kKernelAlignment);
  img.relocatable = file[kRelocatableKernel] != 0;
  img.cmdline_size = load_le<uint32_t>(file, kCmdlineSize);
  img.pref_address = load_le<uint64_t>(file, kPrefAddress);
  img.init_size = load_le<uint32_t>(file, kInitSize);
  if (!(img.loadflags & kLoadedHigh)) throw invalid("LOADED_HIGH is not set (a zImage?)");
  if (!(img.xloadflags & kXlfKernel64)) throw invalid("no 64-bit entry point (XLF_KERNEL_64 not set)");
  const size_t setup_bytes = (static_cast<size_t>(img.setup_sects) + 1) * 512;
  if (setup_bytes >= file.size()) {
    throw invalid("setup_sects " + std::to_string(img.setup_sects) + " leaves no protected-mode kernel");
  }
  img.file = std::move(file);
  return img;
}

LoadedKernel load_bzimage(const BzImage& image, const GuestMemory& memory) {
  const auto kernel = image.protected_mode_kernel();
  LoadedKernel loaded;
  loaded.load_address = layout::kHighMemoryStart;
  loaded.entry = loaded.load_address + kKernel64EntryOffset;

  // Where the kernel runs from (arch/x86/boot/compressed/head_64.S): a
  // relocatable kernel aligns its load address up to kernel_alignment, but never
  // goes below its preferred (LOAD_PHYSICAL_ADDR) address.
  uint64_t runtime_start = image.pref_address;
  if (image.relocatable) {
    runtime_start = std::max(align_up(loaded.load_address, image.kernel_alignment), image.pref_address);
  }
  loaded.reserved_end = std::max(loaded.load_address + kernel.size(), runtime_start + image.init_size);

  const uint64_t low_ram = layout::low_ram_bytes(memory.ram_bytes());
  if (loaded.reserved_end > low_ram) {
    throw MemoryTooSmallError("guest memory of " + std::to_string(memory.ram_bytes() >> 20) +
                              " MiB is too small for the kernel, which needs the first " +
                              std::to_string((loaded.reserved_end + layout::MiB - 1) >> 20) + " MiB");
  }
  auto dest = memory.checked_slice(loaded.load_address, kernel.size(), "kernel");
  std::copy(kernel.begin(), kernel.end(), dest.begin());
  return loaded;
}

}  // namespace zvmm

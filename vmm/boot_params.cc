#include "vmm/boot_params.h"

#include <algorithm>

#include "vmm/boot_errors.h"
#include "vmm/layout.h"
#include "base/le.h"

namespace zvmm {

BootParams build_boot_params(const BzImage& image, uint64_t cmdline_address,
                             const InitrdPlacement& initrd, const std::vector<E820Entry>& e820) {
  return build_boot_params(image.setup_header_bytes(), cmdline_address, initrd, e820);
}

BootParams build_boot_params(std::span<const uint8_t> header, uint64_t cmdline_address,
                             const InitrdPlacement& initrd, const std::vector<E820Entry>& e820) {
  using namespace boot_params;
  if (header.size() > kSize - setup_header::kSetupSects) {
    throw BootConfigError("setup header of " + std::to_string(header.size()) + " bytes does not fit in boot_params");
  }
  BootParams p{};
  std::copy(header.begin(), header.end(), p.begin() + setup_header::kSetupSects);

  p[kTypeOfLoader] = kLoaderUndefined;
  store_le<uint32_t>(p, kCmdLinePtr, static_cast<uint32_t>(cmdline_address));
  store_le<uint32_t>(p, kExtCmdLinePtr, static_cast<uint32_t>(cmdline_address >> 32));
  store_le<uint32_t>(p, kRamdiskImage, static_cast<uint32_t>(initrd.address));
  store_le<uint32_t>(p, kExtRamdiskImage, static_cast<uint32_t>(initrd.address >> 32));
  store_le<uint32_t>(p, kRamdiskSize, static_cast<uint32_t>(initrd.size));
  store_le<uint32_t>(p, kExtRamdiskSize, static_cast<uint32_t>(initrd.size >> 32));

  if (e820.size() > kE820MaxEntries) {
    throw BootConfigError("e820 map has " + std::to_string(e820.size()) + " entries, the zero page holds " +
                          std::to_string(kE820MaxEntries));
  }
  p[kE820Entries] = static_cast<uint8_t>(e820.size());
  for (size_t i = 0; i < e820.size(); ++i) {
    const size_t at = kE820Table + i * kE820EntrySize;
    store_le<uint64_t>(p, at, e820[i].addr);
    store_le<uint64_t>(p, at + 8, e820[i].size);
    store_le<uint32_t>(p, at + 16, static_cast<uint32_t>(e820[i].type));
  }
  return p;
}

void write_kernel_cmdline(const GuestMemory& memory, const std::string& cmdline,
                          uint32_t kernel_cmdline_size) {
  // cmdline_size excludes the terminating NUL.
  const uint64_t limit = std::min<uint64_t>(kernel_cmdline_size, layout::kCmdlineMaxSize - 1);
  if (cmdline.size() > limit) {
    throw BootConfigError("kernel command line is " + std::to_string(cmdline.size()) +
                          " bytes; this kernel accepts at most " + std::to_string(limit));
  }
  auto dest = memory.checked_slice(layout::kCmdlineStart, cmdline.size() + 1, "kernel command line");
  std::copy(cmdline.begin(), cmdline.end(), dest.begin());
  dest[cmdline.size()] = 0;
}

void write_boot_params(const GuestMemory& memory, const BootParams& params) {
  auto dest = memory.checked_slice(layout::kZeroPageStart, params.size(), "boot_params");
  std::copy(params.begin(), params.end(), dest.begin());
}

}  // namespace zvmm

#include "vmm/linux_boot.h"

#include <array>

#include "vmm/acpi.h"
#include "vmm/boot_errors.h"
#include "vmm/boot_params.h"
#include "vmm/bzimage.h"
#include "vmm/e820.h"
#include "vmm/elf_kernel.h"
#include "vmm/gdt.h"
#include "vmm/image_file.h"
#include "vmm/layout.h"
#include "vmm/mptable.h"
#include "vmm/page_tables.h"

namespace zvmm {

namespace {

// What the rest of the boot needs from either kind of kernel image.
struct PlacedKernel {
  LoadedKernel loaded;
  std::vector<uint8_t> setup_header;  // from setup_header::kSetupSects on
  uint32_t cmdline_size = 0;
  uint32_t initrd_addr_max = 0;
};

PlacedKernel place_kernel(const ImageFile& file, const GuestMemory& memory) {
  std::array<uint8_t, 4> magic{};
  if (file.size() >= magic.size()) file.read_at(0, magic);
  if (is_elf(magic)) {
    const ElfKernel elf = parse_elf_kernel(file);
    const std::vector<uint8_t> header = elf_setup_header();
    return {load_elf_kernel(file, elf, memory), header, kElfCmdlineSize, kElfInitrdAddrMax};
  }
  std::vector<uint8_t> bytes(file.size());
  file.read_at(0, bytes);
  const BzImage image = parse_bzimage(std::move(bytes));
  const auto header = image.setup_header_bytes();
  return {load_bzimage(image, memory), {header.begin(), header.end()}, image.cmdline_size,
          image.initrd_addr_max};
}

}  // namespace

LinuxBootInfo load_linux(const GuestMemory& memory, const LinuxBootConfig& config) {
  const ImageFile kernel_file = ImageFile::open(config.kernel_path, "kernel");
  std::vector<ImageFile> initrds;
  for (const std::string& path : config.initrd_paths) initrds.push_back(ImageFile::open(path, "initrd"));

  const PlacedKernel kernel = place_kernel(kernel_file, memory);
  LinuxBootInfo info;
  info.entry = kernel.loaded.entry;
  info.initrd = load_initrd_files(initrds, memory, kernel.loaded.reserved_end, kernel.initrd_addr_max);

  write_kernel_cmdline(memory, config.cmdline, kernel.cmdline_size);
  write_boot_params(memory, build_boot_params(kernel.setup_header, layout::kCmdlineStart, info.initrd,
                                              build_e820_map(memory.ram_bytes())));
  write_boot_gdt(memory);
  info.page_table_root = write_identity_page_tables(memory);
  write_mptable(memory, config.vcpu_count);
  write_acpi_tables(memory, config.vcpu_count);
  return info;
}

}  // namespace zvmm

#include "vmm/linux_boot.h"

#include "vmm/acpi.h"
#include "vmm/boot_errors.h"
#include "vmm/boot_params.h"
#include "vmm/bzimage.h"
#include "vmm/e820.h"
#include "vmm/gdt.h"
#include "vmm/layout.h"
#include "vmm/mptable.h"
#include "vmm/page_tables.h"

namespace zvmm {

LinuxBootInfo load_linux(const GuestMemory& memory, const LinuxBootConfig& config) {
  const BzImage image = parse_bzimage(read_image_file(config.kernel_path, "kernel"));
  std::vector<std::vector<uint8_t>> initrds;
  for (const std::string& path : config.initrd_paths) initrds.push_back(read_image_file(path, "initrd"));

  const LoadedKernel kernel = load_bzimage(image, memory);
  LinuxBootInfo info;
  info.entry = kernel.entry;
  info.initrd = load_initrds(initrds, memory, kernel.reserved_end, image.initrd_addr_max);

  write_kernel_cmdline(memory, config.cmdline, image.cmdline_size);
  write_boot_params(memory, build_boot_params(image, layout::kCmdlineStart, info.initrd,
                                              build_e820_map(memory.ram_bytes())));
  write_boot_gdt(memory);
  info.page_table_root = write_identity_page_tables(memory);
  write_mptable(memory, config.vcpu_count);
  write_acpi_tables(memory, config.vcpu_count);
  return info;
}

}  // namespace zvmm

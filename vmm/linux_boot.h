// Puts a Linux guest into guest memory: the kernel (a bzImage, or an ELF
// vmlinux entered at its physical entry point: elf_kernel.h), the initrd(s), the
// command line, boot_params with the e820 map, the boot GDT and page tables and
// the MP table. Needs no KVM, so every image and size error surfaces before
// /dev/kvm is opened.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vmm/guest_memory.h"
#include "vmm/initrd.h"

namespace zvmm {

struct LinuxBootConfig {
  std::string kernel_path;
  std::vector<std::string> initrd_paths;
  std::string cmdline;
  uint32_t vcpu_count = 1;
};

struct LinuxBootInfo {
  uint64_t entry = 0;           // 64-bit entry point (RIP)
  uint64_t page_table_root = 0;  // CR3
  InitrdPlacement initrd;
};

// Throws BootImageError, MemoryTooSmallError, BootConfigError (boot_errors.h).
LinuxBootInfo load_linux(const GuestMemory& memory, const LinuxBootConfig& config);

}  // namespace zvmm

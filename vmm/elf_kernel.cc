#include "vmm/elf_kernel.h"

#include <algorithm>
#include <string>

#include "vmm/boot_errors.h"
#include "base/hex.h"
#include "vmm/layout.h"
#include "base/le.h"

namespace zvmm {

namespace {

BootImageError invalid(const ImageFile& file, const std::string& why) {
  return BootImageError("kernel " + file.path() + " is not a usable ELF vmlinux: " + why);
}

constexpr uint64_t kPage = 4096;

}  // namespace

bool is_elf(std::span<const uint8_t> prefix) {
  return prefix.size() >= 4 && prefix[0] == 0x7f && prefix[1] == 'E' && prefix[2] == 'L' && prefix[3] == 'F';
}

uint64_t ElfKernel::end() const {
  uint64_t end = 0;
  for (const auto& s : segments) end = std::max(end, s.paddr + s.mem_size);
  return end;
}

ElfKernel parse_elf_kernel(const ImageFile& file) {
  if (file.size() < elf::kEhdrSize) {
    throw invalid(file, "file is too small (" + std::to_string(file.size()) + " bytes)");
  }
  std::array<uint8_t, elf::kEhdrSize> eh{};
  file.read_at(0, eh);
  if (!is_elf(eh)) throw invalid(file, "no ELF magic");
  if (eh[4] != 2) throw invalid(file, "not ELF64 (class " + std::to_string(eh[4]) + ")");
  if (eh[5] != 1) throw invalid(file, "not little endian");
  const uint16_t type = load_le<uint16_t>(eh, 16);
  const uint16_t machine = load_le<uint16_t>(eh, 18);
  if (machine != elf::kMachineX86_64) throw invalid(file, "machine " + std::to_string(machine) + " is not x86-64");
  if (type != elf::kTypeExec) throw invalid(file, "type " + std::to_string(type) + " is not an executable");

  ElfKernel k;
  k.entry = load_le<uint64_t>(eh, 24);
  const uint64_t phoff = load_le<uint64_t>(eh, 32);
  const uint16_t phentsize = load_le<uint16_t>(eh, 54);
  const uint16_t phnum = load_le<uint16_t>(eh, 56);
  if (phnum == 0 || phnum > elf::kMaxPhdrs) {
    throw invalid(file, std::to_string(phnum) + " program headers (1.." + std::to_string(elf::kMaxPhdrs) + " expected)");
  }
  if (phentsize != elf::kPhdrSize) throw invalid(file, "program header size " + std::to_string(phentsize));
  const uint64_t table = uint64_t{phnum} * phentsize;
  if (phoff > file.size() || table > file.size() - phoff) {
    throw invalid(file, "program headers at " + hex(phoff) + " are beyond the end of the file");
  }
  std::vector<uint8_t> ph(table);
  file.read_at(phoff, ph);

  const uint64_t low_limit = layout::kMmio32Start;  // segments must be RAM below the hole
  for (uint16_t i = 0; i < phnum; ++i) {
    const std::span<const uint8_t> p = std::span<const uint8_t>(ph).subspan(i * elf::kPhdrSize, elf::kPhdrSize);
    if (load_le<uint32_t>(p, 0) != elf::kPtLoad) continue;
    const ElfLoadSegment s{.file_offset = load_le<uint64_t>(p, 8),
                           .paddr = load_le<uint64_t>(p, 24),
                           .file_size = load_le<uint64_t>(p, 32),
                           .mem_size = load_le<uint64_t>(p, 40)};
    const std::string what = "segment " + std::to_string(i);
    if (s.file_size > s.mem_size) throw invalid(file, what + " has p_filesz > p_memsz");
    if (s.file_offset > file.size() || s.file_size > file.size() - s.file_offset) {
      throw invalid(file, what + " [" + hex(s.file_offset) + ", +" + hex(s.file_size) +
                              ") is beyond the end of the file (truncated?)");
    }
    if (s.paddr < layout::kHighMemoryStart || s.paddr > low_limit || s.mem_size > low_limit - s.paddr) {
      throw invalid(file, what + " at physical " + hex(s.paddr) + " (+" + hex(s.mem_size) +
                              ") is not between 1 MiB and the 32-bit MMIO hole");
    }
    if (s.mem_size == 0) continue;
    k.segments.push_back(s);
  }
  if (k.segments.empty()) throw invalid(file, "no PT_LOAD segments");
  const bool entry_loaded = std::any_of(k.segments.begin(), k.segments.end(), [&](const ElfLoadSegment& s) {
    return k.entry >= s.paddr && k.entry < s.paddr + s.file_size;
  });
  if (!entry_loaded) {
    throw invalid(file, "entry point " + hex(k.entry) +
                            " is not inside a loaded segment (zvmm needs the physical entry a vmlinux has)");
  }
  return k;
}

LoadedKernel load_elf_kernel(const ImageFile& file, const ElfKernel& kernel, const GuestMemory& memory) {
  LoadedKernel loaded;
  loaded.entry = kernel.entry;
  loaded.load_address = kernel.segments.front().paddr;
  for (const auto& s : kernel.segments) loaded.load_address = std::min(loaded.load_address, s.paddr);
  loaded.reserved_end = (kernel.end() + kPage - 1) / kPage * kPage;
  const uint64_t low_ram = layout::low_ram_bytes(memory.ram_bytes());
  if (loaded.reserved_end > low_ram) {
    throw MemoryTooSmallError("guest memory of " + std::to_string(memory.ram_bytes() >> 20) +
                              " MiB is too small for the kernel, which needs the first " +
                              std::to_string((loaded.reserved_end + layout::MiB - 1) >> 20) + " MiB");
  }
  for (const auto& s : kernel.segments) {
    auto dest = memory.checked_slice(s.paddr, s.mem_size, "kernel segment");
    file.read_at(s.file_offset, dest.first(s.file_size));
    std::fill(dest.begin() + static_cast<ptrdiff_t>(s.file_size), dest.end(), 0);
  }
  return loaded;
}

std::vector<uint8_t> elf_setup_header() {
  using namespace setup_header;
  std::vector<uint8_t> h(kEnd - kSetupSects, 0);
  const std::span<uint8_t> all(h);
  // Offsets in setup_header:: are from the start of boot_params; h starts at kSetupSects.
  auto at = [](size_t offset) { return offset - kSetupSects; };
  store_le<uint16_t>(all, at(kBootFlag), kBootFlagValue);
  all[at(kJump)] = 0xeb;  // short jmp over the header, as a bzImage has
  all[at(kJump) + 1] = static_cast<uint8_t>(kEnd - (kJump + 2));
  store_le<uint32_t>(all, at(kHeaderMagic), kMagic);
  store_le<uint16_t>(all, at(kVersion), 0x020f);
  all[at(kLoadflags)] = kLoadedHigh;
  store_le<uint32_t>(all, at(kInitrdAddrMax), kElfInitrdAddrMax);
  store_le<uint32_t>(all, at(kKernelAlignment), 0x100'0000);
  store_le<uint32_t>(all, at(kCmdlineSize), kElfCmdlineSize);
  return h;
}

}  // namespace zvmm

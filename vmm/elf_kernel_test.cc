// The ELF vmlinux loader on synthetic ELF files: segments land at p_paddr with
// their bss tail zeroed, and malformed files are refused with a reason.
#include "vmm/elf_kernel.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "vmm/boot_errors.h"
#include "vmm/layout.h"
#include "base/le.h"

namespace zvmm {
namespace {

using layout::MiB;

struct Segment {
  uint32_t type = elf::kPtLoad;
  uint64_t paddr = 0;
  std::vector<uint8_t> bytes;
  uint64_t mem_size = 0;
};

// A minimal ELF64 x86-64 executable: header, program headers, then each
// segment's bytes.
std::vector<uint8_t> make_elf(uint64_t entry, const std::vector<Segment>& segments) {
  const size_t phoff = elf::kEhdrSize;
  size_t data = phoff + segments.size() * elf::kPhdrSize;
  std::vector<uint8_t> f(data);
  const std::span<uint8_t> all(f);
  f[0] = 0x7f, f[1] = 'E', f[2] = 'L', f[3] = 'F', f[4] = 2, f[5] = 1, f[6] = 1;
  store_le<uint16_t>(all, 16, elf::kTypeExec);
  store_le<uint16_t>(all, 18, elf::kMachineX86_64);
  store_le<uint32_t>(all, 20, 1);
  store_le<uint64_t>(all, 24, entry);
  store_le<uint64_t>(all, 32, phoff);
  store_le<uint16_t>(all, 52, elf::kEhdrSize);
  store_le<uint16_t>(all, 54, elf::kPhdrSize);
  store_le<uint16_t>(all, 56, static_cast<uint16_t>(segments.size()));
  for (size_t i = 0; i < segments.size(); ++i) {
    const Segment& s = segments[i];
    const size_t ph = phoff + i * elf::kPhdrSize;
    store_le<uint32_t>(all, ph, s.type);
    store_le<uint64_t>(all, ph + 8, data);
    store_le<uint64_t>(all, ph + 16, 0xffff'ffff'8000'0000ull + s.paddr);  // p_vaddr: kernel mapping
    store_le<uint64_t>(all, ph + 24, s.paddr);
    store_le<uint64_t>(all, ph + 32, s.bytes.size());
    store_le<uint64_t>(all, ph + 40, s.mem_size);
    data += s.bytes.size();
  }
  for (const Segment& s : segments) f.insert(f.end(), s.bytes.begin(), s.bytes.end());
  return f;
}

class ElfKernelTest : public ::testing::Test {
 protected:
  ImageFile write(const std::vector<uint8_t>& bytes) {
    const std::string path = ::testing::TempDir() + "/vmlinux-" + std::to_string(counter_++);
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                static_cast<std::streamsize>(bytes.size()));
    return ImageFile::open(path, "kernel");
  }
  std::string parse_error(const std::vector<uint8_t>& bytes) {
    try {
      parse_elf_kernel(write(bytes));
    } catch (const BootImageError& e) {
      return e.what();
    }
    return "";
  }
  std::vector<Segment> good_segments() {
    return {{elf::kPtLoad, 16 * MiB, std::vector<uint8_t>(8192, 0xaa), 8192},
            {4 /* PT_NOTE */, 16 * MiB, {1, 2, 3}, 3},
            {elf::kPtLoad, 20 * MiB, std::vector<uint8_t>(100, 0xbb), 3 * 4096}};
  }
  int counter_ = 0;
};

TEST_F(ElfKernelTest, DetectsTheMagic) {
  EXPECT_TRUE(is_elf(std::vector<uint8_t>{0x7f, 'E', 'L', 'F', 2}));
  EXPECT_FALSE(is_elf(std::vector<uint8_t>{0x7f, 'E', 'L'}));
  EXPECT_FALSE(is_elf(std::vector<uint8_t>{'M', 'Z', 0, 0}));
}

TEST_F(ElfKernelTest, ParsesLoadSegmentsOnly) {
  const ImageFile f = write(make_elf(16 * MiB + 0x40, good_segments()));
  const ElfKernel k = parse_elf_kernel(f);
  EXPECT_EQ(k.entry, 16 * MiB + 0x40);
  ASSERT_EQ(k.segments.size(), 2u);
  EXPECT_EQ(k.segments[0].paddr, 16 * MiB);
  EXPECT_EQ(k.segments[0].file_size, 8192u);
  EXPECT_EQ(k.segments[1].paddr, 20 * MiB);
  EXPECT_EQ(k.segments[1].mem_size, 3 * 4096u);
  EXPECT_EQ(k.end(), 20 * MiB + 3 * 4096);
}

TEST_F(ElfKernelTest, LoadsSegmentsAtTheirPhysicalAddressesAndZeroesBss) {
  const GuestMemory memory = GuestMemory::create(64 * MiB);
  // Dirty the bss range first: the loader must clear it, not rely on fresh memory.
  ASSERT_TRUE(memory.write_le<uint8_t>(20 * MiB + 200, 0xee));
  const ImageFile f = write(make_elf(16 * MiB, good_segments()));
  const LoadedKernel loaded = load_elf_kernel(f, parse_elf_kernel(f), memory);
  EXPECT_EQ(loaded.entry, 16 * MiB);
  EXPECT_EQ(loaded.load_address, 16 * MiB);
  EXPECT_EQ(loaded.reserved_end, 20 * MiB + 3 * 4096);
  EXPECT_EQ(memory.read_le<uint8_t>(16 * MiB), 0xaa);
  EXPECT_EQ(memory.read_le<uint8_t>(16 * MiB + 8191), 0xaa);
  EXPECT_EQ(memory.read_le<uint8_t>(20 * MiB + 99), 0xbb);
  EXPECT_EQ(memory.read_le<uint8_t>(20 * MiB + 100), 0);
  EXPECT_EQ(memory.read_le<uint8_t>(20 * MiB + 200), 0);
}

TEST_F(ElfKernelTest, RefusesAKernelLargerThanRam) {
  const GuestMemory memory = GuestMemory::create(16 * MiB);
  const ImageFile f = write(make_elf(16 * MiB, good_segments()));
  EXPECT_THROW(load_elf_kernel(f, parse_elf_kernel(f), memory), MemoryTooSmallError);
}

TEST_F(ElfKernelTest, RefusesMalformedFilesWithAReason) {
  const auto good = make_elf(16 * MiB, good_segments());
  EXPECT_EQ(parse_error(good), "");

  EXPECT_NE(parse_error({0x7f, 'E', 'L', 'F'}).find("too small"), std::string::npos);
  auto elf32 = good;
  elf32[4] = 1;
  EXPECT_NE(parse_error(elf32).find("not ELF64"), std::string::npos);
  auto arm = good;
  arm[18] = 183;
  EXPECT_NE(parse_error(arm).find("not x86-64"), std::string::npos);
  auto dyn = good;
  dyn[16] = 3;
  EXPECT_NE(parse_error(dyn).find("not an executable"), std::string::npos);
  auto truncated = good;
  truncated.resize(truncated.size() - 50);
  EXPECT_NE(parse_error(truncated).find("beyond the end of the file"), std::string::npos);
  auto no_phdrs = good;
  store_le<uint16_t>(no_phdrs, 56, 0);
  EXPECT_NE(parse_error(no_phdrs).find("program headers"), std::string::npos);
  auto phdrs_outside = good;
  store_le<uint64_t>(phdrs_outside, 32, 1ull << 40);
  EXPECT_NE(parse_error(phdrs_outside).find("beyond the end"), std::string::npos);

  EXPECT_NE(parse_error(make_elf(16 * MiB, {{elf::kPtLoad, 0x1000, {1}, 1}})).find("not between 1 MiB"),
            std::string::npos);
  EXPECT_NE(parse_error(make_elf(16 * MiB, {{elf::kPtLoad, 16 * MiB, {1, 2}, 1}})).find("p_filesz > p_memsz"),
            std::string::npos);
  EXPECT_NE(parse_error(make_elf(16 * MiB, {{4, 16 * MiB, {1}, 1}})).find("no PT_LOAD"), std::string::npos);
  // A vmlinux's e_entry is physical; a virtual one (or any outside the image) is refused.
  EXPECT_NE(parse_error(make_elf(0xffffffff81000000ull, good_segments())).find("entry point"),
            std::string::npos);
}

TEST_F(ElfKernelTest, SyntheticSetupHeaderLooksLikeProtocol215) {
  const auto h = elf_setup_header();
  const auto at = [](size_t offset) { return offset - setup_header::kSetupSects; };
  ASSERT_EQ(h.size(), setup_header::kEnd - setup_header::kSetupSects);
  EXPECT_EQ(load_le<uint16_t>(h, at(setup_header::kBootFlag)), setup_header::kBootFlagValue);
  EXPECT_EQ(load_le<uint32_t>(h, at(setup_header::kHeaderMagic)), setup_header::kMagic);
  EXPECT_EQ(load_le<uint16_t>(h, at(setup_header::kVersion)), 0x020f);
  EXPECT_EQ(load_le<uint32_t>(h, at(setup_header::kCmdlineSize)), kElfCmdlineSize);
  EXPECT_EQ(load_le<uint32_t>(h, at(setup_header::kInitrdAddrMax)), kElfInitrdAddrMax);
}

}  // namespace
}  // namespace zvmm

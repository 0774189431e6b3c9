#include "vmm/bzimage.h"

#include <gtest/gtest.h>

#include "vmm/boot_errors.h"
#include "vmm/layout.h"
#include "base/le.h"
#include "vmm/testing/synthetic_bzimage.h"

namespace zvmm {
namespace {

using layout::MiB;
using testing::make_synthetic_bzimage;
using testing::SyntheticBzImageOptions;

std::string parse_error(std::vector<uint8_t> file) {
  try {
    parse_bzimage(std::move(file));
  } catch (const BootImageError& e) {
    return e.what();
  }
  return "";
}

TEST(BzImageTest, ParsesTheSetupHeader) {
  const BzImage img = parse_bzimage(make_synthetic_bzimage());
  EXPECT_EQ(img.version, 0x020f);
  EXPECT_EQ(img.setup_sects, 4);
  EXPECT_EQ(img.initrd_addr_max, 0x7fffffffu);
  EXPECT_EQ(img.cmdline_size, 2047u);
  EXPECT_EQ(img.pref_address, 0x1000000u);
  EXPECT_EQ(img.init_size, 0x1000000u);
  EXPECT_TRUE(img.relocatable);
  EXPECT_EQ(img.protected_mode_kernel().size(), 64u * 1024);
  EXPECT_EQ(img.protected_mode_kernel()[1], 10);  // (1 * 7 + 3)
  // Header bytes run from 0x1f1 to 0x268.
  EXPECT_EQ(img.setup_header_bytes().size(), 0x268u - 0x1f1u);
}

TEST(BzImageTest, ZeroSetupSectsMeansFour) {
  SyntheticBzImageOptions o;
  o.setup_sects = 0;
  EXPECT_EQ(parse_bzimage(make_synthetic_bzimage(o)).setup_sects, 4);
}

TEST(BzImageTest, RejectsFilesWithoutTheHeaderMagic) {
  auto file = make_synthetic_bzimage();
  file[setup_header::kHeaderMagic] = 'X';
  EXPECT_NE(parse_error(file).find("HdrS"), std::string::npos);
  // An ELF file.
  std::vector<uint8_t> elf(4096, 0);
  elf[0] = 0x7f, elf[1] = 'E', elf[2] = 'L', elf[3] = 'F';
  EXPECT_NE(parse_error(elf), "");
}

TEST(BzImageTest, RejectsTooSmallFiles) {
  EXPECT_NE(parse_error(std::vector<uint8_t>(100, 0)).find("too small"), std::string::npos);
}

TEST(BzImageTest, RejectsOldBootProtocols) {
  SyntheticBzImageOptions o;
  o.version = 0x020b;
  EXPECT_NE(parse_error(make_synthetic_bzimage(o)).find("2.11 is older than the 2.12"), std::string::npos);
}

TEST(BzImageTest, RejectsKernelsWithoutA64BitEntry) {
  SyntheticBzImageOptions o;
  o.xloadflags = 0;
  EXPECT_NE(parse_error(make_synthetic_bzimage(o)).find("XLF_KERNEL_64"), std::string::npos);
}

TEST(BzImageTest, RejectsKernelsNotLoadedHigh) {
  SyntheticBzImageOptions o;
  o.loadflags = 0;
  EXPECT_NE(parse_error(make_synthetic_bzimage(o)).find("LOADED_HIGH"), std::string::npos);
}

TEST(BzImageTest, LoadsTheKernelAtOneMegabyteAndEntersAt0x200) {
  const GuestMemory memory = GuestMemory::create(64 * MiB);
  const BzImage img = parse_bzimage(make_synthetic_bzimage());
  const LoadedKernel k = load_bzimage(img, memory);
  EXPECT_EQ(k.load_address, 0x100000u);
  EXPECT_EQ(k.entry, 0x100200u);
  // Relocated to pref_address (16 MiB) and needs init_size (16 MiB) from there.
  EXPECT_EQ(k.reserved_end, 32 * MiB);
  std::vector<uint8_t> back(16);
  ASSERT_TRUE(memory.read(0x100000, back));
  for (size_t i = 0; i < back.size(); ++i) EXPECT_EQ(back[i], (i * 7 + 3) & 0xff);
}

TEST(BzImageTest, RefusesAGuestTooSmallForInitSize) {
  const GuestMemory memory = GuestMemory::create(16 * MiB);
  const BzImage img = parse_bzimage(make_synthetic_bzimage());
  EXPECT_THROW(load_bzimage(img, memory), MemoryTooSmallError);
}

}  // namespace
}  // namespace zvmm

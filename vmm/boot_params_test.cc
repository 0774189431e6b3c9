#include "vmm/boot_params.h"

#include <asm/bootparam.h>
#include <gtest/gtest.h>

#include <cstddef>

#include "vmm/boot_errors.h"
#include "vmm/layout.h"
#include "base/le.h"
#include "vmm/testing/synthetic_bzimage.h"

namespace zvmm {
namespace {

using layout::MiB;

// Our offsets agree with the kernel's struct boot_params.
static_assert(offsetof(struct boot_params, ext_ramdisk_image) == boot_params::kExtRamdiskImage);
static_assert(offsetof(struct boot_params, ext_ramdisk_size) == boot_params::kExtRamdiskSize);
static_assert(offsetof(struct boot_params, ext_cmd_line_ptr) == boot_params::kExtCmdLinePtr);
static_assert(offsetof(struct boot_params, e820_entries) == boot_params::kE820Entries);
static_assert(offsetof(struct boot_params, hdr) == setup_header::kSetupSects);
static_assert(offsetof(struct boot_params, hdr.type_of_loader) == boot_params::kTypeOfLoader);
static_assert(offsetof(struct boot_params, hdr.ramdisk_image) == boot_params::kRamdiskImage);
static_assert(offsetof(struct boot_params, hdr.ramdisk_size) == boot_params::kRamdiskSize);
static_assert(offsetof(struct boot_params, hdr.cmd_line_ptr) == boot_params::kCmdLinePtr);
static_assert(offsetof(struct boot_params, hdr.header) == setup_header::kHeaderMagic);
static_assert(offsetof(struct boot_params, hdr.xloadflags) == setup_header::kXloadflags);
static_assert(offsetof(struct boot_params, hdr.init_size) == setup_header::kInitSize);
static_assert(offsetof(struct boot_params, e820_table) == boot_params::kE820Table);
static_assert(sizeof(struct boot_params) == boot_params::kSize);
static_assert(sizeof(struct boot_e820_entry) == boot_params::kE820EntrySize);

class BootParamsTest : public ::testing::Test {
 protected:
  BzImage image = parse_bzimage(testing::make_synthetic_bzimage());
  std::vector<E820Entry> e820 = build_e820_map(512 * MiB);
  InitrdPlacement initrd{0x1f00'0000, 0x12345};
  BootParams params = build_boot_params(image, layout::kCmdlineStart, initrd, e820);
};

TEST_F(BootParamsTest, CopiesTheSetupHeaderFromTheImage) {
  EXPECT_EQ(load_le<uint32_t>(params, setup_header::kHeaderMagic), setup_header::kMagic);
  EXPECT_EQ(load_le<uint16_t>(params, setup_header::kVersion), 0x020f);
  EXPECT_EQ(load_le<uint16_t>(params, setup_header::kBootFlag), 0xaa55);
  EXPECT_EQ(load_le<uint32_t>(params, setup_header::kInitSize), 0x1000000u);
  EXPECT_EQ(params[setup_header::kSetupSects], 4);
}

TEST_F(BootParamsTest, SetsLoaderCommandLineAndInitrd) {
  EXPECT_EQ(params[boot_params::kTypeOfLoader], 0xff);
  EXPECT_EQ(load_le<uint32_t>(params, boot_params::kCmdLinePtr), layout::kCmdlineStart);
  EXPECT_EQ(load_le<uint32_t>(params, boot_params::kExtCmdLinePtr), 0u);
  EXPECT_EQ(load_le<uint32_t>(params, boot_params::kRamdiskImage), 0x1f000000u);
  EXPECT_EQ(load_le<uint32_t>(params, boot_params::kRamdiskSize), 0x12345u);
  EXPECT_EQ(load_le<uint32_t>(params, boot_params::kExtRamdiskImage), 0u);
}

TEST_F(BootParamsTest, HoldsTheE820Map) {
  ASSERT_EQ(params[boot_params::kE820Entries], e820.size());
  for (size_t i = 0; i < e820.size(); ++i) {
    const size_t at = boot_params::kE820Table + i * boot_params::kE820EntrySize;
    EXPECT_EQ(load_le<uint64_t>(params, at), e820[i].addr);
    EXPECT_EQ(load_le<uint64_t>(params, at + 8), e820[i].size);
    EXPECT_EQ(load_le<uint32_t>(params, at + 16), static_cast<uint32_t>(e820[i].type));
  }
  // The high RAM entry of a 512 MiB guest: [1 MiB, 512 MiB).
  const size_t at = boot_params::kE820Table + 2 * boot_params::kE820EntrySize;
  EXPECT_EQ(load_le<uint64_t>(params, at), 0x100000u);
  EXPECT_EQ(load_le<uint64_t>(params, at + 8), 512 * MiB - 0x100000);
}

TEST_F(BootParamsTest, WritesTheZeroPageAndCommandLine) {
  const GuestMemory memory = GuestMemory::create(32 * MiB);
  write_boot_params(memory, params);
  EXPECT_EQ(memory.read_le<uint32_t>(layout::kZeroPageStart + setup_header::kHeaderMagic), setup_header::kMagic);
  write_kernel_cmdline(memory, "console=ttyS0", image.cmdline_size);
  std::vector<uint8_t> back(14);
  ASSERT_TRUE(memory.read(layout::kCmdlineStart, back));
  EXPECT_EQ(std::string(back.begin(), back.end() - 1), "console=ttyS0");
  EXPECT_EQ(back.back(), 0);
}

TEST_F(BootParamsTest, RefusesACommandLineLongerThanTheKernelAccepts) {
  const GuestMemory memory = GuestMemory::create(32 * MiB);
  EXPECT_THROW(write_kernel_cmdline(memory, std::string(2048, 'x'), 2047), BootConfigError);
  EXPECT_NO_THROW(write_kernel_cmdline(memory, std::string(2047, 'x'), 2047));
}

}  // namespace
}  // namespace zvmm

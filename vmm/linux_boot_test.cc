// load_linux end to end on a synthetic bzImage and initrds written to files.
#include "vmm/linux_boot.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "vmm/boot_errors.h"
#include "vmm/boot_params.h"
#include "vmm/bzimage.h"
#include "vmm/layout.h"
#include "vmm/testing/synthetic_bzimage.h"

namespace zvmm {
namespace {

using layout::MiB;

class LinuxBootTest : public ::testing::Test {
 protected:
  std::string write_file(const std::string& name, const std::vector<uint8_t>& bytes) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                static_cast<std::streamsize>(bytes.size()));
    return path;
  }
  std::string dir_ = ::testing::TempDir();
};

TEST_F(LinuxBootTest, LaysOutKernelInitrdsCommandLineAndTables) {
  const GuestMemory memory = GuestMemory::create(128 * MiB);
  const LinuxBootConfig config{
      .kernel_path = write_file("bzImage", testing::make_synthetic_bzimage()),
      .initrd_paths = {write_file("a.cpio", std::vector<uint8_t>(5000, 'a')),
                       write_file("b.cpio", std::vector<uint8_t>(100, 'b'))},
      .cmdline = "console=ttyS0 hello",
      .vcpu_count = 2,
  };
  const LinuxBootInfo info = load_linux(memory, config);
  EXPECT_EQ(info.entry, 0x100200u);
  EXPECT_EQ(info.page_table_root, layout::kPml4Start);
  EXPECT_EQ(info.initrd.size, 5000u + 100);
  EXPECT_EQ(info.initrd.address % 4096, 0u);
  EXPECT_LE(info.initrd.address + info.initrd.size, 128 * MiB);

  const uint64_t zp = layout::kZeroPageStart;
  EXPECT_EQ(memory.read_le<uint32_t>(zp + boot_params::kRamdiskImage), info.initrd.address);
  EXPECT_EQ(memory.read_le<uint32_t>(zp + boot_params::kRamdiskSize), 5100u);
  EXPECT_EQ(memory.read_le<uint32_t>(zp + boot_params::kCmdLinePtr), layout::kCmdlineStart);
  EXPECT_EQ(memory.read_le<uint8_t>(zp + boot_params::kE820Entries), 5u);
  EXPECT_EQ(memory.read_le<uint8_t>(info.initrd.address + 4999), 'a');
  EXPECT_EQ(memory.read_le<uint8_t>(info.initrd.address + 5000), 'b');
  EXPECT_EQ(memory.read_le<uint32_t>(layout::kMpTableStart), 0x5f504d5fu);
  EXPECT_EQ(memory.read_le<uint8_t>(layout::kCmdlineStart + 19), 0u);
}

LinuxBootConfig config(std::string kernel, std::vector<std::string> initrds = {}, std::string cmdline = "") {
  return {.kernel_path = std::move(kernel),
          .initrd_paths = std::move(initrds),
          .cmdline = std::move(cmdline),
          .vcpu_count = 1};
}

TEST_F(LinuxBootTest, ErrorsAreTyped) {
  const GuestMemory memory = GuestMemory::create(64 * MiB);
  const std::string kernel = write_file("k", testing::make_synthetic_bzimage());
  EXPECT_THROW(load_linux(memory, config(dir_ + "/missing")), BootImageError);
  EXPECT_THROW(load_linux(memory, config(write_file("junk", std::vector<uint8_t>(4096, 1)))), BootImageError);
  EXPECT_THROW(load_linux(memory, config(kernel, {dir_ + "/missing.cpio"})), BootImageError);
  EXPECT_THROW(load_linux(memory, config(kernel, {write_file("big", std::vector<uint8_t>(40 * MiB))})),
               MemoryTooSmallError);
  EXPECT_THROW(load_linux(memory, config(kernel, {}, std::string(5000, 'x'))), BootConfigError);
}

}  // namespace
}  // namespace zvmm

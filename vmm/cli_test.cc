#include "vmm/cli.h"

#include <gtest/gtest.h>

namespace zvmm {
namespace {


CommandLine parse(std::vector<std::string> args) { return parse_command_line(args); }

std::string usage_error(std::vector<std::string> args) {
  try {
    parse(std::move(args));
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(CliTest, Defaults) {
  const CommandLine cl = parse({"--kernel", "bzImage"});
  EXPECT_EQ(cl.action, CommandLine::Action::kRun);
  EXPECT_EQ(cl.config.kernel, "bzImage");
  EXPECT_EQ(cl.config.memory_bytes, 512ull << 20);
  EXPECT_EQ(cl.config.cpus, 1u);
  EXPECT_EQ(cl.config.cmdline, kDefaultCmdline);
  EXPECT_EQ(cl.config.console, (ConsoleConfig{ConsoleConfig::Kind::kStdio, ""}));
  EXPECT_FALSE(cl.config.boot_time);
  EXPECT_TRUE(cl.config.initrds.empty());
  EXPECT_TRUE(cl.config.disks.empty());
}

TEST(CliTest, AllOptions) {
  const CommandLine cl = parse({"--kernel=k", "--initrd", "a.cpio,b.cpio", "--cmdline", "console=ttyS0 quiet",
                                "--memory", "2G", "--cpus=4", "--console", "file:/tmp/log", "--boot-time",
                                "--disk", "virtio-blk,file=x,size=256M,zone-size=8M", "--disk",
                                "virtio-blk,host=/dev/nullb0,queues=2,readonly=on"});
  EXPECT_EQ(cl.config.kernel, "k");
  EXPECT_EQ(cl.config.initrds, (std::vector<std::string>{"a.cpio", "b.cpio"}));
  EXPECT_EQ(cl.config.cmdline, "console=ttyS0 quiet");
  EXPECT_EQ(cl.config.memory_bytes, 2ull << 30);
  EXPECT_EQ(cl.config.cpus, 4u);
  EXPECT_EQ(cl.config.console, (ConsoleConfig{ConsoleConfig::Kind::kFile, "/tmp/log"}));
  EXPECT_TRUE(cl.config.boot_time);
  ASSERT_EQ(cl.config.disks.size(), 2u);
  EXPECT_EQ(cl.config.disks[0].backing.path, "x");
  EXPECT_EQ(cl.config.disks[1].backing.path, "/dev/nullb0");
  EXPECT_TRUE(cl.config.disks[1].backing.host);
  EXPECT_TRUE(cl.config.disks[1].backing.read_only);
  EXPECT_EQ(cl.config.disks[1].virtio.queues, 2u);
}

TEST(CliTest, RepeatedInitrdAppends) {
  EXPECT_EQ(parse({"--kernel", "k", "--initrd", "a", "--initrd", "b,c"}).config.initrds,
            (std::vector<std::string>{"a", "b", "c"}));
}

TEST(CliTest, HelpAndVersion) {
  EXPECT_EQ(parse({"--help"}).action, CommandLine::Action::kHelp);
  EXPECT_EQ(parse({"--kernel", "k", "-h"}).action, CommandLine::Action::kHelp);
  EXPECT_EQ(parse({"--version"}).action, CommandLine::Action::kVersion);
  const std::string help = usage_text();
  for (const char* s : {"--kernel", "--initrd", "--cmdline", "--memory", "--cpus", "--console", "--boot-time",
                        "--disk", "exit status", "130/143"}) {
    EXPECT_NE(help.find(s), std::string::npos) << s;
  }
}

TEST(CliTest, UsageErrors) {
  EXPECT_NE(usage_error({}).find("--kernel PATH is required"), std::string::npos);
  EXPECT_NE(usage_error({"--kernel"}).find("needs a value"), std::string::npos);
  EXPECT_NE(usage_error({"--kernel", "k", "--bogus"}).find("unknown option '--bogus'"), std::string::npos);
  EXPECT_NE(usage_error({"--kernel", "k", "stray"}).find("unexpected argument"), std::string::npos);
  EXPECT_NE(usage_error({"--kernel", "k", "--memory", "lots"}).find("not a size"), std::string::npos);
  EXPECT_NE(usage_error({"--kernel", "k", "--memory", "8M"}).find("below the minimum"), std::string::npos);
  EXPECT_NE(usage_error({"--kernel", "k", "--memory", "2T"}).find("above the maximum"), std::string::npos);
  EXPECT_NE(usage_error({"--kernel", "k", "--memory", "16385K"}).find("multiple of 4K"), std::string::npos);
  EXPECT_NE(usage_error({"--kernel", "k", "--cpus", "0"}).find("--cpus"), std::string::npos);
  EXPECT_NE(usage_error({"--kernel", "k", "--cpus", "255"}).find("--cpus"), std::string::npos);
  EXPECT_NE(usage_error({"--kernel", "k", "--cpus", "2x"}).find("--cpus"), std::string::npos);
  EXPECT_NE(usage_error({"--kernel", "k", "--console", "tty"}).find("--console"), std::string::npos);
  EXPECT_NE(usage_error({"--kernel", "k", "--initrd", "a,,b"}).find("empty path"), std::string::npos);
  // A --disk geometry a Linux guest would reject is a usage error (exit 2), not a missing disk in the guest.
  EXPECT_NE(usage_error({"--kernel", "k", "--disk", "virtio-blk,file=r.img,size=2M,zone-size=4M"})
                .find("smaller than the zone size 4M"),
            std::string::npos);
  EXPECT_NE(usage_error({"--kernel", "k", "--disk", "virtio-blk,file=r.img,size=64M,zone-size=4M,max-open=17"})
                .find("larger than the number of sequential zones (16)"),
            std::string::npos);
  // Rules across --disk nvme options are usage errors too.
  EXPECT_EQ(usage_error({"--kernel", "k", "--disk", "nvme,file=a,zoned=none,ctrl=c,nsid=1", "--disk",
                         "nvme,file=b,zoned=none,ctrl=c,nsid=1"}),
            "--disk nvme,file=b,zoned=none,ctrl=c,nsid=1: nsid=1 is already --disk "
            "nvme,file=a,zoned=none,ctrl=c,nsid=1 on ctrl=c");
}

// --memory takes base/size.h's sizes (base/size_test.cc has the syntax): a
// bare number is bytes, so "--memory 512" is refused with a hint.
TEST(CliTest, MemorySizes) {
  auto memory = [](const char* text) {
    const std::vector<std::string> args = {"--kernel", "k", "--memory", text};
    return parse_command_line(args).config.memory_bytes;
  };
  EXPECT_EQ(memory("512M"), 512ull << 20);
  EXPECT_EQ(memory("512MiB"), 512ull << 20);
  EXPECT_EQ(memory("2g"), 2ull << 30);
  EXPECT_EQ(memory("65536K"), 64ull << 20);
  EXPECT_EQ(memory("1T"), 1ull << 40);
  EXPECT_EQ(memory("268435456"), 256ull << 20);
  EXPECT_EQ(usage_error({"--kernel", "k", "--memory", "512"}),
            "--memory 512 is below the minimum of 16M (a bare number is bytes: for MiB write 512M)");
  EXPECT_EQ(usage_error({"--kernel", "k", "--memory", "12Q"}),
            "--memory: '12Q' is not a size (a number with an optional unit K, M, G or T, powers of 1024; a bare "
            "number is bytes)");
  EXPECT_EQ(usage_error({"--kernel", "k", "--memory", "99999999999999T"}), "--memory: '99999999999999T' is too large");
  EXPECT_EQ(usage_error({"--kernel", "k", "--memory", "8M"}), "--memory 8M is below the minimum of 16M");
  EXPECT_EQ(usage_error({"--kernel", "k", "--memory", "16385K"}), "--memory 16385K is not a multiple of 4K");
}

}  // namespace
}  // namespace zvmm

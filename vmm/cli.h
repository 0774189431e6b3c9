// zvmm's command line. Parsing is pure (no files opened) so it is unit tested;
// main() turns UsageError into exit status 2.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "vmm/disk_config.h"

namespace zvmm {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ConsoleConfig {
  enum class Kind { kStdio, kNone, kFile };
  Kind kind = Kind::kStdio;
  std::string path;  // for kFile

  bool operator==(const ConsoleConfig&) const = default;
};

inline constexpr const char* kDefaultCmdline =
    "console=ttyS0 reboot=k,panic_warm panic=-1 i8042.noaux i8042.nomux i8042.dumbkbd quiet";
inline constexpr uint64_t kDefaultMemory = 512ull << 20;
inline constexpr uint32_t kMaxCpus = 254;  // the MP table's APIC ids; the IOAPIC takes the next
inline constexpr uint64_t kMaxMemory = 1ull << 40;
inline constexpr const char* kVersion = "0.1.0";

struct VmConfig {
  std::string kernel;
  std::vector<std::string> initrds;
  std::string cmdline = kDefaultCmdline;
  uint64_t memory_bytes = kDefaultMemory;
  uint32_t cpus = 1;
  ConsoleConfig console;
  bool boot_time = false;
  std::vector<DiskSpec> disks;  // --disk, in order (PCI slots 1, 2, ...)
  std::string control_path;     // --control PATH: the control socket; empty: none
};

struct CommandLine {
  enum class Action { kRun, kHelp, kVersion };
  Action action = Action::kRun;
  VmConfig config;
};

// Parses the arguments after argv[0]. Accepts `--opt VALUE` and `--opt=VALUE`.
// Throws UsageError with a one-line message.
CommandLine parse_command_line(std::span<const std::string> args);

// The --help text (options, defaults, exit codes).
std::string usage_text();

}  // namespace zvmm

#include "vmm/cli.h"

#include <charconv>
#include <stdexcept>

#include "base/size.h"
#include "vmm/exit_codes.h"
#include "vmm/layout.h"

namespace zvmm {

namespace {

std::vector<std::string> split_commas(std::string_view s) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t comma = s.find(',', start);
    parts.emplace_back(s.substr(start, comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return parts;
}

uint64_t parse_memory(std::string_view text) {
  uint64_t bytes = 0;
  try {
    bytes = parse_size("--memory", text);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  if (bytes < layout::kMinimumMemory) {
    const std::string hint =
        is_bare_number(text) ? " (a bare number is bytes: for MiB write " + std::string(text) + "M)" : "";
    throw UsageError("--memory " + std::string(text) + " is below the minimum of " +
                     std::to_string(layout::kMinimumMemory >> 20) + "M" + hint);
  }
  if (bytes > kMaxMemory) throw UsageError("--memory " + std::string(text) + " is above the maximum of 1T");
  if (bytes % 4096 != 0) throw UsageError("--memory " + std::string(text) + " is not a multiple of 4K");
  return bytes;
}

uint32_t parse_cpus(std::string_view text) {
  uint32_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < 1 || n > kMaxCpus) {
    throw UsageError("--cpus: '" + std::string(text) + "' is not a number from 1 to " +
                     std::to_string(kMaxCpus));
  }
  return n;
}

ConsoleConfig parse_console(std::string_view text) {
  if (text == "stdio") return {ConsoleConfig::Kind::kStdio, ""};
  if (text == "none") return {ConsoleConfig::Kind::kNone, ""};
  if (text.starts_with("file:") && text.size() > 5) {
    return {ConsoleConfig::Kind::kFile, std::string(text.substr(5))};
  }
  throw UsageError("--console: '" + std::string(text) + "' is not stdio, none or file:PATH");
}

}  // namespace

CommandLine parse_command_line(std::span<const std::string> args) {
  CommandLine cl;
  VmConfig& c = cl.config;
  bool have_kernel = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "-h" || arg == "--help") {
      cl.action = CommandLine::Action::kHelp;
      return cl;
    }
    if (arg == "-V" || arg == "--version") {
      cl.action = CommandLine::Action::kVersion;
      return cl;
    }
    if (arg == "--boot-time") {
      c.boot_time = true;
      continue;
    }
    if (!arg.starts_with("--")) throw UsageError("unexpected argument '" + std::string(arg) + "'");
    std::string name(arg);
    std::optional<std::string> value;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    auto take_value = [&]() -> std::string {
      if (value) return *value;
      if (i + 1 >= args.size()) throw UsageError(name + " needs a value");
      return args[++i];
    };
    if (name == "--kernel") {
      c.kernel = take_value();
      have_kernel = true;
    } else if (name == "--initrd") {
      for (std::string& p : split_commas(take_value())) {
        if (p.empty()) throw UsageError("--initrd: empty path in the list");
        c.initrds.push_back(std::move(p));
      }
    } else if (name == "--cmdline") {
      c.cmdline = take_value();
    } else if (name == "--memory") {
      c.memory_bytes = parse_memory(take_value());
    } else if (name == "--cpus") {
      c.cpus = parse_cpus(take_value());
    } else if (name == "--console") {
      c.console = parse_console(take_value());
    } else if (name == "--disk") {
      c.disks.push_back(parse_disk_option(take_value()));
    } else if (name == "--control") {
      c.control_path = take_value();
      if (c.control_path.empty()) throw UsageError("--control: empty path");
    } else {
      throw UsageError("unknown option '" + name + "' (see zvmm --help)");
    }
  }
  if (!have_kernel || c.kernel.empty()) throw UsageError("--kernel PATH is required (see zvmm --help)");
  (void)plan_nvme_controllers(c.disks);  // the rules across --disk nvme options
  return cl;
}

std::string usage_text() {
  return std::string(R"(usage: zvmm --kernel PATH [options]

Boots a Linux kernel (bzImage or ELF vmlinux) on KVM with a serial console.

options:
  --kernel PATH           Linux bzImage (boot protocol 2.12+, 64-bit entry) or
                          uncompressed ELF vmlinux (faster: no decompressor)
  --initrd PATH[,PATH...] initrd(s), concatenated in order (cpio archives stack)
  --cmdline STR           kernel command line; default:
                            ")") + kDefaultCmdline + R"("
  --memory SIZE           guest RAM, e.g. 512M, 2G (default 512M, minimum 16M);
                          sizes take a unit K, M, G or T (powers of 1024),
                          a bare number is bytes
  --cpus N                vCPUs, 1-)" + std::to_string(kMaxCpus) + R"( (default 1)
  --console stdio|none|file:PATH
                          where COM1 output goes (default stdio; with stdio,
                          a terminal or pipe on stdin feeds the guest's input)
  --boot-time             print "zvmm: guest userspace reached in N ms" when the
                          guest writes the boot marker (port 0xf5), and how
                          long the console drain after its exit status took
  --disk virtio-blk,file=IMG[,size=S][,zoned=hm|ha|none][,zone-size=S]
         [,zone-capacity=S][,conventional-zones=N][,max-open=N][,max-active=N]
         [,max-append=S][,readonly=on|off][,queues=N][,kick-yield=auto|on|off]
  --disk virtio-blk,host=/dev/DEV[,readonly=on|off][,queues=N][,kick-yield=auto|on|off]
                          virtio-blk disk (repeatable). file=: an emulated
                          zoned image (zoned=hm, the default, or ha), created
                          with size= when missing (zone-size default 64M;
                          0 limits = unlimited); a geometry a Linux guest
                          would reject (size below one zone, limits above
                          the sequential zones, ...) is refused, docs/usage.md
                          lists the rules; an existing image keeps its
                          zones and must match any geometry given. zoned=none:
                          a plain raw file. host=: pass a host zoned block
                          device through. queues default: one per vCPU.
                          kick-yield: when a kicked queue worker first
                          waits for the guest to finish queueing a burst
                          (default auto: after bursts; docs/usage.md)
  --disk nvme,file=IMG|host=DEV[,zoned=hm|none][,size=S][,zone-size=S]
         [,zone-capacity=S][,max-open=N][,max-active=N][,max-append=S]
         [,readonly=on|off][,nsid=N][,ctrl=ID][,serial=S][,queues=N][,mdts=N]
         [,kick-yield=auto|on|off]
                          NVMe namespace (repeatable): zoned=hm (default)
                          or host=: a Zoned Namespace (ZNS; no conventional
                          zones, size a multiple of zone-size; zoned=ha is
                          refused); zoned=none: an NVM namespace on a
                          plain raw file.
                          Disks with the same ctrl=ID are namespaces of one
                          controller (default: a controller per disk); nsid
                          default: the lowest free one. Controller keys
                          (serial, default ZVMM + a hash; queues, I/O queue
                          pairs, default one per vCPU; mdts, max transfer
                          2^N * 4K, 1-16, default 7; kick-yield) may be
                          given on any of its disks, equal if repeated
  --control PATH          serve the control socket at PATH (a Unix socket,
                          mode 0600, QMP-shaped JSON; removed at exit): query
                          disks and zones, set a zone read-only or offline,
                          host-side zone operations, inject I/O errors, quit,
                          power-cut. Client: zvmm-ctl PATH COMMAND; see
                          docs/usage.md "Control socket"
  -h, --help              this text
  -V, --version           zvmm's version

exit status:
  N    the guest wrote N to the exit-status port 0xf4
  )" + std::to_string(exit_code::kGuestReset) + R"(    the guest rebooted (i8042 reset) or powered off (ACPI S5)
  )" + std::to_string(exit_code::kInternalError) + R"(    internal VMM error
  )" + std::to_string(exit_code::kUsage) + R"(    usage error
  )" + std::to_string(exit_code::kKvmUnavailable) + R"(    /dev/kvm missing, not accessible, or unsupported API
  )" + std::to_string(exit_code::kPvmKvm) + R"(    /dev/kvm is PVM-backed and cannot boot Linux (run inside
       tests/kvm-host/run; ZVMM_ALLOW_PVM=1 tries anyway)
  )" + std::to_string(exit_code::kBadImage) + R"(    kernel or initrd missing, unreadable or invalid
  )" + std::to_string(exit_code::kMemoryTooSmall) + R"(    guest memory too small for kernel + initrd
  )" + std::to_string(exit_code::kGuestCrash) + R"(    guest crash: kernel panic, triple fault, KVM internal error
  )" + std::to_string(exit_code::kDiskError) + R"(    a --disk image or device cannot be opened or created (missing,
       corrupt, locked, geometry different from the one given, not zoned),
       or its final flush at exit failed
  )" + std::to_string(exit_code::kPowerCut) + R"(    power-cut on the control socket: stopped at once, no final flush
  )" + std::to_string(exit_code::kSigint) + "/" + std::to_string(exit_code::kSigterm) + R"(  stopped by SIGINT/SIGTERM
Every VMM error also prints one line starting with "zvmm: " on stderr.
)";
}

}  // namespace zvmm

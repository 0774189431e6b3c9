// zvmm: boots a Linux guest on KVM. See `zvmm --help` and docs/usage.md.
#include <signal.h>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "vmm/boot_errors.h"
#include "vmm/cli.h"
#include "vmm/disks.h"
#include "vmm/exit_codes.h"
#include "vmm/guest_memory.h"
#include "vmm/host_check.h"
#include "vmm/kvm.h"
#include "vmm/vmm.h"

namespace {

int fail(int code, const std::string& message) {
  std::fprintf(stderr, "zvmm: %s\n", message.c_str());
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace zvmm;
  // A closed stdout must not kill the VMM; console writes just fail.
  signal(SIGPIPE, SIG_IGN);

  const std::vector<std::string> args(argv + 1, argv + argc);
  CommandLine cl;
  try {
    cl = parse_command_line(args);
  } catch (const UsageError& e) {
    return fail(exit_code::kUsage, e.what());
  }
  if (cl.action == CommandLine::Action::kHelp) {
    std::fputs(usage_text().c_str(), stdout);
    return 0;
  }
  if (cl.action == CommandLine::Action::kVersion) {
    std::printf("zvmm %s\n", kVersion);
    return 0;
  }

  try {
    return Vmm(std::move(cl.config)).run();
  } catch (const BootImageError& e) {
    return fail(exit_code::kBadImage, e.what());
  } catch (const MemoryTooSmallError& e) {
    return fail(exit_code::kMemoryTooSmall, e.what());
  } catch (const BootConfigError& e) {
    return fail(exit_code::kUsage, e.what());
  } catch (const GuestMemoryError& e) {
    return fail(exit_code::kInternalError, e.what());
  } catch (const KvmUnavailable& e) {
    return fail(exit_code::kKvmUnavailable, e.what());
  } catch (const PvmHostError& e) {
    return fail(exit_code::kPvmKvm, e.what());
  } catch (const DiskError& e) {
    return fail(exit_code::kDiskError, e.what());
  } catch (const std::exception& e) {
    return fail(exit_code::kInternalError, e.what());
  }
}

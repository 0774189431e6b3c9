// libFuzzer target: the command line. The input is NUL-separated arguments
// (the first one, when it starts with "disk:", is instead one --disk value for
// parse_disk_option alone). parse_command_line must either return or throw
// UsageError with a message; any other exception, crash or sanitizer report is
// a bug. Every parsed --disk is re-planned (plan_nvme_controllers) as
// Disks::attach() does.
#include <cstdint>
#include <string>
#include <vector>

#include "tools/fuzz/fuzz_input.h"
#include "vmm/cli.h"
#include "vmm/disk_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace zvmm;
  fuzz::Input in(data, size);
  std::vector<std::string> args;
  while (!in.empty() && args.size() < 64) args.push_back(in.str());
  if (!args.empty() && args[0].rfind("disk:", 0) == 0) {
    try {
      DiskSpec d = parse_disk_option(std::string_view(args[0]).substr(5));
      std::vector<DiskSpec> disks{d};
      plan_nvme_controllers(disks);
    } catch (const UsageError& e) {
      if (std::string(e.what()).empty()) __builtin_trap();
    }
    return 0;
  }
  try {
    CommandLine cl = parse_command_line(args);
    if (cl.action == CommandLine::Action::kRun) plan_nvme_controllers(cl.config.disks);
  } catch (const UsageError& e) {
    if (std::string(e.what()).empty()) __builtin_trap();  // a refusal says why
  }
  return 0;
}

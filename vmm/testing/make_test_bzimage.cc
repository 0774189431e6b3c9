// make_test_bzimage OUT [--init-size MIB] [--code hello-exit|mmio-exit|read-exit|spin|reboot|panic-reboot|exit-tail|exit-tail-reboot|exit-flood]
//
// Writes a synthetic bzImage (a valid header, no real kernel) for the
// host-side tests of the zvmm binary. With --code, a tiny 64-bit program sits
// at the entry point, so zvmm runs it exactly as it would start Linux.
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "vmm/testing/synthetic_bzimage.h"

namespace {
int usage() {
  std::fprintf(stderr,
               "usage: make_test_bzimage OUT [--init-size MIB] [--code hello-exit|mmio-exit|read-exit|spin|reboot|panic-reboot|exit-tail|exit-tail-reboot|exit-flood]\n");
  return 2;
}
}  // namespace

int main(int argc, char** argv) {
  namespace tiny = zvmm::testing::tiny_guest;
  if (argc < 2) return usage();
  zvmm::testing::SyntheticBzImageOptions options;
  for (int i = 2; i < argc; i += 2) {
    if (i + 1 >= argc) return usage();
    const std::string_view opt = argv[i], value = argv[i + 1];
    if (opt == "--init-size") {
      options.init_size = static_cast<uint32_t>(std::atoi(argv[i + 1])) << 20;
    } else if (opt == "--code" && value == "hello-exit") {
      options.entry_code = tiny::hello_exit();
    } else if (opt == "--code" && value == "mmio-exit") {
      options.entry_code = tiny::mmio_exit();
    } else if (opt == "--code" && value == "read-exit") {
      options.entry_code = tiny::read_exit();
    } else if (opt == "--code" && value == "spin") {
      options.entry_code = tiny::spin();
    } else if (opt == "--code" && value == "reboot") {
      options.entry_code = tiny::reboot();
    } else if (opt == "--code" && value == "panic-reboot") {
      options.entry_code = tiny::panic_reboot();
    } else if (opt == "--code" && value == "exit-tail") {
      options.entry_code = tiny::exit_tail();
    } else if (opt == "--code" && value == "exit-tail-reboot") {
      options.entry_code = tiny::exit_tail_reboot();
    } else if (opt == "--code" && value == "exit-flood") {
      options.entry_code = tiny::exit_flood();
    } else {
      return usage();
    }
  }
  const auto image = zvmm::testing::make_synthetic_bzimage(options);
  FILE* f = std::fopen(argv[1], "wb");
  if (f == nullptr || std::fwrite(image.data(), 1, image.size(), f) != image.size() || std::fclose(f) != 0) {
    std::perror(argv[1]);
    return 1;
  }
  return 0;
}

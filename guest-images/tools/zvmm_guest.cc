// zvmm-guest: the guest side of the VMM's status ports (see vmm/layout.h).
//
//   zvmm-guest exit STATUS     write STATUS (0..255) to the exit-status port
//   zvmm-guest boot-marker     tell the VMM that userspace has been reached
//
// Port 0xf4 is also QEMU's isa-debug-exit port, so the same guest image reports
// its status under zvmm and under QEMU (-device isa-debug-exit,iobase=0xf4,iosize=1).
// Built static: the guest's initramfs has no C library of its own.
#include <sys/io.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace {

constexpr unsigned short kExitStatusPort = 0xf4;
constexpr unsigned short kBootMarkerPort = 0xf5;
constexpr unsigned char kBootMarkerValue = 0x7a;

int usage() {
  std::fputs("usage: zvmm-guest exit STATUS | zvmm-guest boot-marker\n", stderr);
  return 2;
}

int out_byte(unsigned short port, unsigned char value) {
  if (ioperm(port, 1, 1) != 0) {
    std::fprintf(stderr, "zvmm-guest: ioperm(0x%x): %s\n", port, std::strerror(errno));
    return 1;
  }
  outb(value, port);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string_view cmd = argv[1];
  if (cmd == "exit" && argc == 3) {
    char* end = nullptr;
    const long status = std::strtol(argv[2], &end, 10);
    if (*argv[2] == '\0' || *end != '\0' || status < 0 || status > 255) return usage();
    return out_byte(kExitStatusPort, static_cast<unsigned char>(status));
  }
  if (cmd == "boot-marker" && argc == 2) return out_byte(kBootMarkerPort, kBootMarkerValue);
  return usage();
}

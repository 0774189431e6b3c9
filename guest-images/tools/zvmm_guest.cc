// zvmm-guest: the guest side of the VMM's status registers (see vmm/layout.h).
//
//   zvmm-guest exit STATUS     report STATUS (0..255); the VMM exits with it
//   zvmm-guest drain           wait until the console has sent what was written
//   zvmm-guest boot-marker     tell the VMM that userspace has been reached
//
// The registers exist twice: as I/O ports (0xf4 exit, 0xf5 boot marker; 0xf4 is
// also QEMU's isa-debug-exit port) and as bytes 0 and 1 of an MMIO page
// (layout::kStatusMmioStart). The tool writes the MMIO page through /dev/mem first:
// user-mode OUT after ioperm() faults in a nested guest under QEMU TCG, and the
// Debian cloud kernel has no /dev/port. Then it tries the port, in a child process
// so that such a fault cannot kill the caller. A VMM that owns neither register
// just drops both writes. Built static: the guest has no C library of its own.
//
// `exit`: zvmm does not stop at the status write but once the guest's UART has
// been quiet (vmm/console_drain.h), so that the kernel sends what its serial
// driver still buffers. It acknowledges the status in byte 2 of the page; when
// the tool reads the acknowledgement it waits (sleeps) to be stopped, for at
// most kStopWaitSeconds, instead of returning to a caller that would power off
// (a power-off stops the VM at once and cuts the console off). Without the
// acknowledgement (QEMU: isa-debug-exit has already stopped it, or nobody
// listens) it returns at once, as before.
//
// `drain` waits until the console has sent everything written to it (tcdrain on
// its stdout, stderr and /dev/console), bounded by kDrainTimeoutSeconds. zvmm
// no longer needs it before `exit`; it stays for other VMMs and for debugging.
// It is not part of `exit`: with a tcdrain in every guest's exit path, the
// one-CPU emulated KVM host livelocked in some test runs (docs/testing.md).
#include <fcntl.h>
#include <signal.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace {

constexpr unsigned short kExitStatusPort = 0xf4;
constexpr unsigned short kBootMarkerPort = 0xf5;
constexpr off_t kStatusMmioStart = 0xf000'0000;
constexpr size_t kExitStatusOffset = 0;
constexpr size_t kBootMarkerOffset = 1;
constexpr size_t kExitAckOffset = 2;
constexpr unsigned char kExitAckValue = 0x5a;
// zvmm stops at most 30 s (its console-drain cap) after the status; then a
// margin for a slow emulated host.
constexpr unsigned kStopWaitSeconds = 60;
constexpr unsigned char kBootMarkerValue = 0x7a;
// Measured in a nested guest under QEMU TCG: the UART sends 0.35-5 KB/s (zvmm's
// stdout a pipe or a file), so a full 4 KiB transmit buffer takes up to ~12 s.
// Linux waits up to 30 s on a tty's last close.
constexpr unsigned kDrainTimeoutSeconds = 30;

int usage() {
  std::fputs("usage: zvmm-guest exit STATUS | zvmm-guest drain | zvmm-guest boot-marker\n", stderr);
  return 2;
}

enum class MmioWrite { kFailed, kWritten, kAcknowledged };

// Writes `value` at `offset` of the status page; then reads the exit
// acknowledgement byte when `ack_offset` is given.
MmioWrite write_mmio_byte(size_t offset, unsigned char value, const size_t* ack_offset) {
  const int fd = open("/dev/mem", O_RDWR | O_SYNC | O_CLOEXEC);
  if (fd < 0) return MmioWrite::kFailed;
  void* page = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, kStatusMmioStart);
  close(fd);
  if (page == MAP_FAILED) return MmioWrite::kFailed;
  volatile uint8_t* bytes = static_cast<volatile uint8_t*>(page);
  bytes[offset] = value;
  const bool acknowledged = ack_offset && bytes[*ack_offset] == kExitAckValue;
  munmap(page, 4096);
  return acknowledged ? MmioWrite::kAcknowledged : MmioWrite::kWritten;
}

bool write_port_byte(unsigned short port, unsigned char value) {
  const pid_t child = fork();
  if (child == 0) {
    if (ioperm(port, 1, 1) != 0) _exit(1);
    outb(value, port);
    _exit(0);
  }
  if (child < 0) return false;
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void on_alarm(int) {}

// Waits until every byte written to the console so far has left the UART (the
// driver's buffer is empty and the transmitter idle), for at most
// kDrainTimeoutSeconds in all: SIGALRM interrupts a tcdrain that hangs. SIGTTOU
// is ignored meanwhile so that a caller in a background process group is not
// stopped by tcdrain on its controlling terminal.
void drain_console() {
  struct sigaction alarm_action {};
  alarm_action.sa_handler = on_alarm;  // no SA_RESTART: tcdrain returns EINTR
  sigemptyset(&alarm_action.sa_mask);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  struct sigaction old_alarm {}, old_ttou {};
  if (sigaction(SIGALRM, &alarm_action, &old_alarm) != 0) return;
  sigaction(SIGTTOU, &ignore, &old_ttou);
  alarm(kDrainTimeoutSeconds);

  bool timed_out = false;
  auto drain = [&timed_out](int fd) {
    if (!timed_out && isatty(fd) && tcdrain(fd) != 0 && errno == EINTR) timed_out = true;
  };
  drain(STDOUT_FILENO);
  drain(STDERR_FILENO);
  // The console itself, in case stdout and stderr go elsewhere.
  const int console = open("/dev/console", O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (console >= 0) {
    drain(console);
    close(console);
  }

  alarm(0);
  sigaction(SIGTTOU, &old_ttou, nullptr);
  sigaction(SIGALRM, &old_alarm, nullptr);
}

int report(unsigned short port, size_t mmio_offset, unsigned char value,
           const size_t* ack_offset = nullptr) {
  const MmioWrite mmio = write_mmio_byte(mmio_offset, value, ack_offset);
  const bool pio = write_port_byte(port, value);
  if (mmio == MmioWrite::kFailed && !pio) {
    std::fprintf(stderr, "zvmm-guest: cannot write the status register (no /dev/mem, no ioperm)\n");
    return 1;
  }
  if (mmio == MmioWrite::kAcknowledged) {
    // zvmm stops the VM once the console has drained: sleep until then. No
    // console output here: it would only delay the stop.
    for (unsigned left = kStopWaitSeconds; left > 0;) left = sleep(left);
    std::fprintf(stderr, "zvmm-guest: the VMM acknowledged the exit status but did not stop in %u s\n",
                 kStopWaitSeconds);
    return 1;
  }
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
    return report(kExitStatusPort, kExitStatusOffset, static_cast<unsigned char>(status),
                  &kExitAckOffset);
  }
  if (cmd == "drain" && argc == 2) {
    drain_console();
    return 0;
  }
  if (cmd == "boot-marker" && argc == 2) {
    return report(kBootMarkerPort, kBootMarkerOffset, kBootMarkerValue);
  }
  return usage();
}

#include "vmm/vcpu_thread.h"

#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <system_error>

namespace zvmm {

namespace {

void ignore_kick(int) {}

void install_kick_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action {};
    action.sa_handler = ignore_kick;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: KVM_RUN must return EINTR
    if (sigaction(VcpuThread::kick_signal(), &action, nullptr) != 0) {
      throw std::system_error(errno, std::generic_category(), "sigaction(kick signal)");
    }
  });
}

}  // namespace

int VcpuThread::kick_signal() { return SIGRTMIN; }

VcpuThread::VcpuThread(const Vcpu& vcpu, const Bus& pio_bus, const Bus& mmio_bus, VmStop& stop)
    : vcpu_(vcpu), runner_(vcpu, pio_bus, mmio_bus, stop) {
  install_kick_handler();
  thread_ = std::thread([this] {
    sigset_t all_but_kick;
    sigfillset(&all_but_kick);
    sigdelset(&all_but_kick, kick_signal());
    pthread_sigmask(SIG_SETMASK, &all_but_kick, nullptr);
    runner_.run();
  });
}

VcpuThread::~VcpuThread() {
  if (thread_.joinable()) {
    kick();
    thread_.join();
  }
}

void VcpuThread::kick() {
  vcpu_.set_immediate_exit(true);
  if (thread_.joinable()) pthread_kill(thread_.native_handle(), kick_signal());
}

void VcpuThread::join() {
  if (thread_.joinable()) thread_.join();
}

}  // namespace zvmm

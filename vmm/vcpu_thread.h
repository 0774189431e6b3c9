// One host thread per vCPU running its VcpuRunner, and the "kick" that gets a
// vCPU out of KVM_RUN: set kvm_run.immediate_exit, then send the thread a signal
// whose handler does nothing (KVM_RUN returns EINTR). immediate_exit covers the
// race where the signal arrives just before the thread enters KVM_RUN.
#pragma once

#include <thread>

#include "vmm/vcpu_runner.h"

namespace zvmm {

class VcpuThread {
 public:
  // Starts the thread. The thread blocks every signal except the kick signal.
  VcpuThread(const Vcpu& vcpu, const Bus& pio_bus, const Bus& mmio_bus, VmStop& stop);
  VcpuThread(const VcpuThread&) = delete;
  VcpuThread& operator=(const VcpuThread&) = delete;
  // Kicks and joins.
  ~VcpuThread();

  // Makes the vCPU leave KVM_RUN; it then sees the stop request and returns.
  void kick();
  void join();

  // The signal used for kicks (SIGRTMIN); its no-op handler is installed once.
  static int kick_signal();

 private:
  const Vcpu& vcpu_;
  VcpuRunner runner_;
  std::thread thread_;
};

}  // namespace zvmm

// The KVM_RUN loop of one vCPU: port I/O exits go to the PIO bus, MMIO exits to
// the MMIO bus, and exits that end the VM (triple fault, internal error, failed
// entry, ...) become a StopReason.
#pragma once

#include <optional>

#include "vmm/bus.h"
#include "vmm/vcpu.h"
#include "vmm/vm_stop.h"

namespace zvmm {

class VcpuRunner {
 public:
  VcpuRunner(const Vcpu& vcpu, const Bus& pio_bus, const Bus& mmio_bus, VmStop& stop)
      : vcpu_(vcpu), pio_bus_(pio_bus), mmio_bus_(mmio_bus), stop_(stop) {}

  // Runs until a stop is requested (by this vCPU or anyone else). Never throws:
  // failures become a stop request.
  void run();

  // Handles the exit currently described by vcpu.state(). Returns a reason if
  // the exit ends the VM, nullopt if the vCPU should re-enter the guest.
  std::optional<StopReason> handle_exit();

 private:
  void handle_pio();
  void handle_mmio();

  const Vcpu& vcpu_;
  const Bus& pio_bus_;
  const Bus& mmio_bus_;
  VmStop& stop_;
};

}  // namespace zvmm

// How the NVMe controller model interrupts the host (implemented by the PCI
// wrapper with MSI-X, by tests with counters).
#pragma once

#include <cstdint>

namespace zvmm::nvme {

// The controller's way to interrupt the host: one MSI-X vector per
// completion queue's IV (vector 0: admin CQ). Thread-safe.
class NvmeInterrupt {
 public:
  virtual ~NvmeInterrupt() = default;
  virtual void signal(uint16_t vector) = 0;
};

}  // namespace zvmm::nvme

// Owns the two buses and the devices on them. vCPU threads dispatch exits to
// pio_bus()/mmio_bus(); this class decides what is where (layout.h):
//
//   PIO  0x60, 0x64     i8042 (reset line)
//   PIO  0xf4           exit-status port
//   PIO  0xf5           boot-marker port
//   PIO  0x3f8-0x3ff    COM1 16550 UART, IRQ 4
//   PIO  0x600          ACPI sleep control/status (power off)
//   PIO  0xcf8-0xcff    PCI config mechanism #1 (PciConfigIo)
//   MMIO 0xe0000000     PCI ECAM (PciEcam), 256 MiB
//   MMIO 0xf0000000     status page: exit status and boot marker (StatusPage)
//   PCI BARs            mapped onto the buses by PciRoot as the guest programs them
//
// The devices know nothing about KVM: interrupts and VM-level actions come in
// as callbacks (LegacyDeviceHooks) that the Vmm implements.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "devices/ioevent.h"
#include "devices/legacy/serial.h"
#include "vmm/bus.h"

namespace zvmm {

class PciRoot;

struct LegacyDeviceHooks {
  Serial::OutputSink console_output;
  Serial::IrqLine com1_irq;                 // level of the UART's interrupt line
  std::function<void(uint8_t)> exit_status;  // guest wrote the exit-status port or page
  std::function<void()> reset;              // guest pulsed the i8042 reset line
  std::function<void()> boot_marker;        // guest reached userspace (may repeat)
  std::function<void()> power_off;          // guest entered ACPI S5
};

class DeviceManager {
 public:
  DeviceManager();
  DeviceManager(const DeviceManager&) = delete;
  DeviceManager& operator=(const DeviceManager&) = delete;
  ~DeviceManager();

  Bus& pio_bus() { return pio_bus_; }
  Bus& mmio_bus() { return mmio_bus_; }

  // COM1, i8042, exit-status, boot-marker and ACPI sleep ports.
  void add_legacy_devices(LegacyDeviceHooks hooks);

  // The PCI hook: a PciRoot (host bridge at 00:00.0) behind ports 0xcf8-0xcff
  // and the ECAM window. PCI devices are then plugged with pci_root()->add_device().
  // `ioevents` registers their doorbells and must outlive this object.
  void add_pci_root(uint64_t ram_bytes, IoEventRegistrar& ioevents);

  Serial& serial() { return *serial_; }
  std::shared_ptr<PciRoot> pci_root() const { return pci_root_; }

 private:
  Bus pio_bus_;
  Bus mmio_bus_;
  std::shared_ptr<Serial> serial_;
  std::shared_ptr<PciRoot> pci_root_;
};

}  // namespace zvmm

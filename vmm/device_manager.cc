#include "vmm/device_manager.h"

#include "devices/legacy/acpi_sleep_port.h"
#include "devices/legacy/boot_marker_port.h"
#include "devices/legacy/exit_status_port.h"
#include "devices/legacy/i8042.h"
#include "devices/legacy/status_page.h"
#include "devices/pci/config_io.h"
#include "devices/pci/ecam.h"
#include "devices/pci/pci_root.h"
#include "vmm/layout.h"

namespace zvmm {

DeviceManager::DeviceManager() = default;

// The PCI root (and its BAR mapper) refers to both buses: destroy it while they
// are still alive, after unplugging the config devices that share its ownership.
DeviceManager::~DeviceManager() {
  if (pci_root_) {
    pio_bus_.remove(PciConfigIo::kBase);
    mmio_bus_.remove(layout::kPciEcamStart);
    pci_root_.reset();
  }
}

void DeviceManager::add_legacy_devices(LegacyDeviceHooks hooks) {
  serial_ = std::make_shared<Serial>(std::move(hooks.console_output), std::move(hooks.com1_irq));
  pio_bus_.insert(serial_, layout::kCom1Port, Serial::kRegisterCount);
  pio_bus_.insert(std::make_shared<I8042>(std::move(hooks.reset)), layout::kI8042DataPort,
                  I8042::kRangeSize);
  pio_bus_.insert(std::make_shared<ExitStatusPort>(hooks.exit_status), layout::kExitStatusPort, 1);
  pio_bus_.insert(std::make_shared<BootMarkerPort>(hooks.boot_marker), layout::kBootMarkerPort, 1);
  mmio_bus_.insert(std::make_shared<StatusPage>(std::move(hooks.exit_status), std::move(hooks.boot_marker)),
                   layout::kStatusMmioStart, layout::kStatusMmioSize);
  pio_bus_.insert(std::make_shared<AcpiSleepPort>(std::move(hooks.power_off)), layout::kAcpiSleepPort, 1);
}

void DeviceManager::add_pci_root(uint64_t ram_bytes, IoEventRegistrar& ioevents) {
  pci_root_ = std::make_shared<PciRoot>(mmio_bus_, pio_bus_, PciWindows::for_guest(ram_bytes),
                                        ioevents);
  pio_bus_.insert(std::make_shared<PciConfigIo>(pci_root_), PciConfigIo::kBase, PciConfigIo::kSize);
  mmio_bus_.insert(std::make_shared<PciEcam>(pci_root_), layout::kPciEcamStart, layout::kPciEcamSize);
}

}  // namespace zvmm

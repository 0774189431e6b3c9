# The PCI host bridge is visible at 00:00.0 (config mechanism #1, ports 0xcf8-0xcff).
set -e
lspci
[ -e /sys/bus/pci/devices/0000:00:00.0 ]
[ "$(cat /sys/bus/pci/devices/0000:00:00.0/class)" = 0x060000 ]

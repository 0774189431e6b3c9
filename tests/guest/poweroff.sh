# A guest power-off (ACPI S5 through the FADT sleep control register) ends
# zvmm with status 0.
poweroff -f
sleep 30
exit 1

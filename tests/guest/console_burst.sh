# Guest side of console_burst_test: a burst of numbered lines right before the
# exit status is reported, with no `zvmm-guest drain`: zvmm itself must keep the
# VM running until the UART has sent it all (vmm/console_drain.h). Worst case
# for the console: this script and init (which reports the status) run on the
# CPU that does not take the UART interrupt, so the serial driver still holds up
# to a page of output when init reports. (The interrupt is left where it is:
# moving it made the emulated KVM host freeze in some runs.)
lines=2000
irq="$(awk '$NF == "ttyS0" { sub(":", "", $1); print $1 }' /proc/interrupts)"
irq_cpu="$(cat "/proc/irq/$irq/effective_affinity_list" 2>/dev/null)"
case "$irq_cpu" in
  0) mask=2 ;;
  1) mask=1 ;;
  *) echo "console_burst: ttyS0 interrupt '$irq' on CPU(s) '$irq_cpu', want one of 2 CPUs"; exit 3 ;;
esac
taskset -p "$mask" $$ >/dev/null && taskset -p "$mask" 1 >/dev/null ||
  { echo "console_burst: cannot move this script and init off CPU $irq_cpu"; exit 3; }
echo "CONSOLE-BURST-LINES=$lines (UART interrupt on CPU $irq_cpu, writer and init on mask $mask)"
for ((i = 1; i <= lines; i++)); do printf 'burst %06d\n' "$i"; done
exit 0

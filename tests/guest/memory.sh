# --memory 512M: the e820 map gives the kernel 512 MiB minus the legacy hole;
# MemTotal is that minus the kernel image and early reservations.
set -e
total_kib=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
echo "guest: MemTotal ${total_kib} kB"
[ "$total_kib" -le $((512 * 1024)) ]
[ "$total_kib" -ge $((400 * 1024)) ]

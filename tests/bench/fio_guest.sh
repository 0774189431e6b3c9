# Guest side of tests/bench/disk_io.sh (runs as /workload.sh): finds the one test
# disk, runs a 128 KiB sequential write over 192 MiB three times (zbd mode on a
# zoned disk: fio resets the zones between loops) and a 4 KiB
# random read at QD32, and prints
# "RESULT <zoned> <seq MiB/s> <randread IOPS> <randread interrupts per I/O>".
set -u
dev=""
for d in /sys/block/vd* /sys/block/nvme*n*; do [ -e "$d" ] && dev="/dev/${d##*/}" && break; done
[ -n "$dev" ] || { echo "no test disk"; exit 1; }
zoned=$(cat "/sys/block/${dev##*/}/queue/zoned")
size=192M
zonemode=none
if [ "$zoned" = host-managed ]; then
  zonemode=zbd
  blkzone reset "$dev"
fi
echo mq-deadline >"/sys/block/${dev##*/}/queue/scheduler" 2>/dev/null
seq=$(fio --output-format=terse --terse-version=3 --name=seq --filename="$dev" --direct=1 \
  --ioengine=io_uring --iodepth=4 --zonemode=$zonemode --rw=write --bs=128k --offset=0 --size=$size --loops=3)
# Interrupts of the disk's queues (virtio-blk MSI-X "virtioN-req.Q", NVMe "nvmeNqQ").
disk_irqs() {
  awk '/virtio[0-9]+-req|nvme[0-9]+q[0-9]/ { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i } END { print n + 0 }' /proc/interrupts
}
irq0=$(disk_irqs)
rand=$(fio --output-format=terse --terse-version=3 --name=rand --filename="$dev" --direct=1 \
  --ioengine=io_uring --iodepth=32 --zonemode=$zonemode --rw=randread --bs=4k --offset=0 --size=$size \
  --runtime=8 --time_based)
seq_mib=$(echo "$seq" | awk -F';' '{printf "%.1f", $48 / 1024}')
iops=$(echo "$rand" | awk -F';' '{print $8}')
ios=$(echo "$rand" | awk -F';' '{print int($6 / 4)}')  # read KiB / 4 KiB: I/Os
irqs=$(($(disk_irqs) - irq0))
irq_per_io=$(awk -v i="$irqs" -v n="$ios" 'BEGIN { if (n > 0) printf "%.3f", i / n; else print "nan" }')
echo "RESULT $zoned $seq_mib $iops $irq_per_io"
[ -n "$seq" ] && [ -n "$rand" ]

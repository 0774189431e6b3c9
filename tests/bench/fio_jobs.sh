# The fio jobs of tests/bench/nvme_io.sh, run on one disk: as the guest's
# /workload.sh (no argument: the first NVMe or virtio disk) or in the KVM host
# itself (argument: the backing file, the "host" row).
#
# Jobs, in order, each direct I/O with io_uring over the first 192 MiB:
#   seqwrite   128 KiB sequential writes, QD4, 3 passes (also fills the range)
#   randread1  4 KiB random reads, QD1, 8 s
#   randread32 4 KiB random reads, QD32, 8 s
# On a zoned disk (guest only: queue/zoned not "none") all zones are reset
# first and seqwrite is one pass with --zonemode=zbd; then two more jobs:
#   zappend    4 KiB zone appends with nvme-cli (`nvme zns zone-append`, one
#              process per append: fio 3.33 has no zone append engine for
#              block devices), so this is appends/s including a process
#              start each, not the device's append throughput; NVMe only
#   zreport    blkzone report of the whole disk (1024 zones in nvme_io.sh), ms
# Output (one line each, on stdout; everything else is for people):
#   BENCH begin JOB / BENCH end JOB   around each job (the host counts KVM exits between them)
#   IRQS JOB N                        interrupts of the disk's queues during JOB (guest only)
#   FIO JOB {json}                    fio's JSON output for JOB, on one line
#   VALUE JOB X                       zappend: appends/s; zreport: ms per report
set -u
target="${1:-}"
in_guest=0
if [ -z "$target" ]; then
  in_guest=1
  for d in /sys/block/nvme*n* /sys/block/vd*; do [ -e "$d" ] && target="/dev/${d##*/}" && break; done
  [ -n "$target" ] || { echo "no test disk"; exit 1; }
  echo none >"/sys/block/${target##*/}/queue/scheduler" 2>/dev/null
  # Kernel messages off the console: printed in the middle of a FIO line they
  # made its JSON unreadable (QEMU's ZNS rows, 2026-11-30).
  dmesg -n 1 2>/dev/null
fi
zoned=0
if [ $in_guest -eq 1 ] && [ "$(cat "/sys/block/${target##*/}/queue/zoned" 2>/dev/null || echo none)" != none ]; then
  zoned=1
  blkzone reset "$target" || echo "blkzone reset $target failed"
fi
# Interrupts of the disk's queues (NVMe "nvmeNqQ", virtio-blk "virtioN-req.Q").
disk_irqs() {
  awk '/nvme[0-9]+q[0-9]|virtio[0-9]+-req/ { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i } END { print n + 0 }' /proc/interrupts
}
job() {  # job NAME FIO-ARGS...
  name=$1; shift
  echo "BENCH begin $name"
  irq0=$(disk_irqs)
  out=$(fio --output-format=json --name="$name" --filename="$target" --direct=1 --ioengine=io_uring \
    --offset=0 --size=192M "$@" 2>/dev/null | tr -d '\n')
  irqs=$(($(disk_irqs) - irq0))
  echo "BENCH end $name"
  [ $in_guest -eq 1 ] && echo "IRQS $name $irqs"
  echo "FIO $name $out"
}
if [ $zoned -eq 1 ]; then
  job seqwrite --zonemode=zbd --rw=write --bs=128k --iodepth=4
else
  job seqwrite --rw=write --bs=128k --iodepth=4 --loops=3
fi
job randread1 --rw=randread --bs=4k --iodepth=1 --runtime=8 --time_based
job randread32 --rw=randread --bs=4k --iodepth=32 --runtime=8 --time_based
[ $zoned -eq 1 ] || exit 0
# Microseconds since the epoch (bash: the guest's /workload.sh runs in bash).
now_us() { local t=$EPOCHREALTIME; echo $((${t%.*} * 1000000 + 10#${t#*.})); }
zs=$(cat "/sys/block/${target##*/}/queue/chunk_sectors")
lbs=$(cat "/sys/block/${target##*/}/queue/logical_block_size")
if [ "${target#/dev/nvme}" != "$target" ]; then
  # Appends into the zones past the written 192 MiB, one zone after another.
  dd if=/dev/urandom of=/tmp/append.4k bs=4096 count=1 status=none
  n=200 zone=$((192 * 1024 * 1024 / 512 / zs)) per_zone=$((zs * 512 / 4096)) fails=0
  echo "BENCH begin zappend"
  t0=$(now_us)
  for ((i = 0; i < n; i++)); do
    slba=$(((zone + i / per_zone) * zs * 512 / lbs))
    nvme zns zone-append "$target" -s $slba -z 4096 -d /tmp/append.4k >/dev/null 2>&1 || fails=$((fails + 1))
  done
  t1=$(now_us)
  echo "BENCH end zappend"
  [ $fails -eq 0 ] && echo "VALUE zappend $((n * 1000000 / (t1 - t0)))" || echo "zappend: $fails of $n appends failed"
fi
blkzone report "$target" >/dev/null
echo "BENCH begin zreport"
t0=$(now_us)
for ((i = 0; i < 10; i++)); do blkzone report "$target" >/dev/null; done
t1=$(now_us)
echo "BENCH end zreport"
echo "zone report: $(blkzone report "$target" | wc -l) zones"
echo "VALUE zreport $(((t1 - t0) / 10 / 1000)).$(( ((t1 - t0) / 10 % 1000) / 100 ))"

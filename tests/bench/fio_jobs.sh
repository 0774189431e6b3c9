# The fio jobs of tests/bench/nvme_io.sh, run on one disk: as the guest's
# /workload.sh (no argument: the first NVMe or virtio disk) or in the KVM host
# itself (argument: the backing file, the "host" row).
#
# Jobs, in order, each direct I/O with io_uring over the first 192 MiB:
#   seqwrite   128 KiB sequential writes, QD4, 3 passes (also fills the range)
#   randread1  4 KiB random reads, QD1, 8 s
#   randread32 4 KiB random reads, QD32, 8 s
# Output (one line each, on stdout; everything else is for people):
#   BENCH begin JOB / BENCH end JOB   around each job (the host counts KVM exits between them)
#   IRQS JOB N                        interrupts of the disk's queues during JOB (guest only)
#   FIO JOB {json}                    fio's JSON output for JOB, on one line
set -u
target="${1:-}"
in_guest=0
if [ -z "$target" ]; then
  in_guest=1
  for d in /sys/block/nvme*n* /sys/block/vd*; do [ -e "$d" ] && target="/dev/${d##*/}" && break; done
  [ -n "$target" ] || { echo "no test disk"; exit 1; }
  echo none >"/sys/block/${target##*/}/queue/scheduler" 2>/dev/null
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
job seqwrite --rw=write --bs=128k --iodepth=4 --loops=3
job randread1 --rw=randread --bs=4k --iodepth=1 --runtime=8 --time_based
job randread32 --rw=randread --bs=4k --iodepth=32 --runtime=8 --time_based

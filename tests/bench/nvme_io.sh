#!/usr/bin/env bash
# NVMe in the guest: zvmm's NVMe controller (a plain, non-zoned namespace) vs
# QEMU 7.2 `-device nvme` on the same kind of backing file, the same guest
# image, the same emulated (or real) KVM host, in one run; and a "host" row:
# the same fio jobs run in the KVM host itself on the backing file, the limit
# every VMM row is a fraction of. Jobs: tests/bench/fio_jobs.sh (128 KiB
# sequential write QD4, 4 KiB random read QD1 and QD32). Backing files are
# 256 MiB on the host's tmpfs.
#
# Zoned rows (NVMe Zoned Namespaces, issue 12), not in the default set:
# zvmm-nvme-zns and qemu-nvme-zns, the same geometry on both: 1 GiB, 1 MiB
# zones of full capacity (1024 zones), max open 8, max active 12. fio_jobs.sh
# sees the zoned disk, resets it, writes with --zonemode=zbd and adds a zone
# append job (nvme-cli, appends/s) and a 1024-zone blkzone report (ms).
#
# usage: nvme_io.sh [--json] [--rounds N]
#
# Prints per row the median over rounds (rows interleaved: row 1, row 2, ...,
# row 1, ...) of: IOPS, mean and p50/p99/p99.9 completion latency (fio's JSON),
# sequential MiB/s, KVM exits per I/O (the host's debugfs counters around each
# job: all exits of the VM, so vCPU halts and timer exits count too) and
# interrupts per I/O (the guest's /proc/interrupts), and each row's share of
# the host row. --json prints the same as a JSON array.
#
# BAZEL_STARTUP / BAZEL_ARGS are passed to Bazel; NVME_BENCH_ROWS (default
# "zvmm-nvme qemu-nvme host") runs a subset; ZVMM_NVME_EXTRA (default
# ",queues=2") is appended to zvmm's --disk options; NVME_BENCH_ROW_TIMEOUT
# (default 400 s) bounds each row.
set -euo pipefail
cd "$(dirname "$0")/../.."
json=0
rounds=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --json) json=1; shift ;;
    --rounds) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { echo "nvme_io.sh: --rounds needs a positive number" >&2; exit 2; }
      rounds="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "nvme_io.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
rows="${NVME_BENCH_ROWS:-zvmm-nvme qemu-nvme host}"
# A row that has not finished after this many seconds is killed and skipped
# (the emulated host sometimes leaves a nested guest halted for good, under
# QEMU as under zvmm; docs/testing.md), so one stuck row costs one row.
row_timeout="${NVME_BENCH_ROW_TIMEOUT:-400}"
zextra="${ZVMM_NVME_EXTRA-,queues=2}"
source tests/bench/lib.sh
bench_prepare nvme
cp tests/bench/fio_jobs.sh "$work/fio_jobs.sh"
guest-images/make-workload-cpio "$work/workload.cpio" tests/bench/fio_jobs.sh
cat "$work/initramfs.cpio" "$work/workload.cpio" >"$work/initrd-qemu.cpio"

cat >"$work/host.sh" <<HOST
set -u
d=/tmp/bench
mkdir -p \$d
mount -t debugfs none /sys/kernel/debug 2>/dev/null
exits() { cat /sys/kernel/debug/kvm/exits 2>/dev/null || echo 0; }
# Tags every result line with its row and round, and counts KVM exits between
# the BENCH markers.
collect() {
  while IFS= read -r line; do
    line=\$(printf '%s' "\$line" | tr -d '\r')
    case "\$line" in
      "BENCH begin "*) e0=\$(exits) ;;
      "BENCH end "*) echo "ROW \$name \$round EXITS \${line#BENCH end } \$((\$(exits) - e0))" ;;
      IRQS\ *|FIO\ *|VALUE\ *) echo "ROW \$name \$round \$line" ;;
    esac
  done
}
run() {  # run NAME COMMAND... (only the rows asked for), at most $row_timeout s
  name=\$1; shift
  case " $rows " in *" \$name "*) ;; *) return 0 ;; esac
  echo "  \$name round \$round" >&2
  timeout -s KILL $row_timeout "\$@" 2>/dev/null | collect
  [ "\${PIPESTATUS[0]:-0}" = 137 ] && echo "  \$name round \$round: no result within $row_timeout s (row skipped)" >&2
  return 0
}
fresh() { rm -f \$d/*.img; truncate -s 256M \$d/disk.img; }
round=1
while [ \$round -le $rounds ]; do
  fresh
  run zvmm-nvme $work/zvmm --kernel $work/bzImage --initrd $work/initramfs.cpio,$work/workload.cpio \
    --memory 1G --cpus 2 --disk nvme,file=\$d/disk.img,zoned=none$zextra
  fresh
  run qemu-nvme qemu-system-x86_64 -accel kvm -cpu host -m 1G -smp 2 -nodefaults -display none -no-reboot \
    -serial stdio -kernel $work/bzImage -initrd $work/initrd-qemu.cpio \
    -append "console=ttyS0 quiet panic=-1" -device isa-debug-exit,iobase=0xf4,iosize=1 \
    -drive file=\$d/disk.img,format=raw,if=none,id=d0,aio=io_uring -device nvme,serial=bench0,drive=d0
  fresh
  run zvmm-nvme-zns $work/zvmm --kernel $work/bzImage --initrd $work/initramfs.cpio,$work/workload.cpio \
    --memory 1G --cpus 2 \
    --disk nvme,file=\$d/zns.img,size=1G,zone-size=1M,max-open=8,max-active=12$zextra
  fresh
  truncate -s 1G \$d/zns.img
  run qemu-nvme-zns qemu-system-x86_64 -accel kvm -cpu host -m 1G -smp 2 -nodefaults -display none -no-reboot \
    -serial stdio -kernel $work/bzImage -initrd $work/initrd-qemu.cpio \
    -append "console=ttyS0 quiet panic=-1" -device isa-debug-exit,iobase=0xf4,iosize=1 \
    -drive file=\$d/zns.img,format=raw,if=none,id=z0,aio=io_uring -device nvme,serial=bench1,id=nvme0 \
    -device nvme-ns,drive=z0,bus=nvme0,nsid=1,zoned=true,zoned.zone_size=1M,zoned.zone_capacity=1M,zoned.max_open=8,zoned.max_active=12
  fresh
  run host sh $work/fio_jobs.sh \$d/disk.img
  round=\$((round + 1))
done
HOST
echo "NVMe benchmark: fio, $rounds round(s), $([[ -e /sys/module/kvm_intel || -e /sys/module/kvm_amd ]] && echo direct || echo emulated) KVM host" >&2
tests/kvm-host/run --image-dir "$bin/tests/kvm-host/host-6.12" --timeout $((300 + 3 * row_timeout * rounds)) \
  --in "$work/zvmm" --in "$work/bzImage" --in "$work/initramfs.cpio" --in "$work/workload.cpio" \
  --in "$work/initrd-qemu.cpio" --in "$work/fio_jobs.sh" --in "$work/host.sh" -- bash "$work/host.sh" >"$work/runs.txt" \
  || echo "nvme_io.sh: the emulated host run failed (status $?); reporting the rows that finished" >&2
args=(--rows "$rows")
[[ $json -eq 1 ]] && args+=(--json)
python3 tests/bench/fio_report.py "${args[@]}" <"$work/runs.txt"

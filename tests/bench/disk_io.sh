#!/usr/bin/env bash
# Disk I/O inside the guest: zvmm virtio-blk (zoned and plain) vs QEMU 7.2
# virtio-blk (plain: QEMU 7.2 has no zoned virtio-blk) vs QEMU NVMe ZNS. Same guest
# image, same fio jobs (tests/bench/fio_guest.sh), same emulated (or real) KVM host,
# one run. Backing files are 256 MiB, on the host's tmpfs; zvmm's zoned image keeps
# its metadata in the file's header, so it is its own file of the same size.
#
# usage: disk_io.sh [--json] [--rounds N]
#
# --rounds N runs every row N times, interleaved (row 1, row 2, ..., row 1, ...),
# and reports each row's median: under nested TCG the same row varies by up to
# 2x between runs, so single runs are not comparable.
#
# Builds what it needs with Bazel; BAZEL_STARTUP (startup options, e.g.
# --output_base=DIR) and BAZEL_ARGS (build options) are passed to it.
# DISK_BENCH_ROWS (space-separated row names, default all four) runs a subset,
# e.g. DISK_BENCH_ROWS="zvmm-virtio-blk-zoned zvmm-virtio-blk" to iterate on zvmm.
# DISK_BENCH_BASELINE=PATH adds the rows base-virtio-blk-zoned and base-virtio-blk:
# the same disks under another zvmm binary (an A/B run against an older build).
# ZVMM_DISK_EXTRA (default ",queues=2") is appended to zvmm's --disk options.
set -euo pipefail
cd "$(dirname "$0")/../.."
json=0
rounds=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --json) json=1; shift ;;
    --rounds) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { echo "disk_io.sh: --rounds needs a positive number" >&2; exit 2; }
      rounds="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "disk_io.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

all_rows="zvmm-virtio-blk-zoned zvmm-virtio-blk qemu-virtio-blk qemu-nvme-zns"
baseline="${DISK_BENCH_BASELINE:-}"
[[ -n "$baseline" ]] && all_rows="$all_rows base-virtio-blk-zoned base-virtio-blk"
rows="${DISK_BENCH_ROWS:-$all_rows}"
zextra="${ZVMM_DISK_EXTRA-,queues=2}"
source tests/bench/lib.sh
bench_prepare disk
if [[ -n "$baseline" ]]; then
  [[ -x "$baseline" ]] || { echo "disk_io.sh: DISK_BENCH_BASELINE=$baseline is not an executable" >&2; exit 2; }
  cp "$baseline" "$work/zvmm-base"
else
  cp "$work/zvmm" "$work/zvmm-base"  # unused copy keeps the host script simple
fi
guest-images/make-workload-cpio "$work/workload.cpio" tests/bench/fio_guest.sh
cat "$work/initramfs.cpio" "$work/workload.cpio" >"$work/initrd-qemu.cpio"

cat >"$work/host.sh" <<HOST
set -u
d=/tmp/bench
mkdir -p \$d
qemu() {  # the same guest under QEMU; disk options follow
  qemu-system-x86_64 -accel kvm -cpu host -m 1G -smp 2 -nodefaults -display none -no-reboot \
    -serial stdio -kernel $work/bzImage -initrd $work/initrd-qemu.cpio \
    -append "console=ttyS0 quiet panic=-1" -device isa-debug-exit,iobase=0xf4,iosize=1 "\$@"
}
run() {  # run NAME COMMAND... (only the rows asked for)
  name=\$1; shift
  case " $rows " in *" \$name "*) ;; *) return 0 ;; esac
  line=\$("\$@" 2>/dev/null | tr -d '\r' | grep '^RESULT ')
  echo "\$name \${line#RESULT }"
  echo "  \$name round \$round: \${line#RESULT }" >&2
}
fresh() { rm -f \$d/*.img; }  # every row starts from new, empty backing files
zvmm_disk_rows() {  # zvmm_disk_rows PREFIX BINARY
  z="\$2 --kernel $work/bzImage --initrd $work/initramfs.cpio,$work/workload.cpio --memory 1G --cpus 2"
  fresh
  run \$1-virtio-blk-zoned \$z --disk virtio-blk,file=\$d/zoned.img,size=256M,zoned=hm,zone-size=16M,max-open=8,max-active=12$zextra
  fresh
  run \$1-virtio-blk \$z --disk virtio-blk,file=\$d/plain.img,size=256M,zoned=none$zextra
}
round=1
while [ \$round -le $rounds ]; do
  zvmm_disk_rows zvmm $work/zvmm
  zvmm_disk_rows base $work/zvmm-base
  fresh
  truncate -s 256M \$d/raw.img
  run qemu-virtio-blk qemu \
    -drive file=\$d/raw.img,format=raw,if=none,id=d0,aio=io_uring -device virtio-blk-pci,drive=d0
  fresh
  truncate -s 256M \$d/zns.img
  run qemu-nvme-zns qemu \
    -drive file=\$d/zns.img,format=raw,if=none,id=z0,aio=io_uring -device nvme,serial=zns0,id=nvme0 \
    -device nvme-ns,drive=z0,bus=nvme0,nsid=1,zoned=true,zoned.zone_size=16M,zoned.max_open=8,zoned.max_active=12
  round=\$((round + 1))
done
HOST
echo "disk I/O benchmark: fio in the guest, $rounds round(s), $([[ -e /sys/module/kvm_intel || -e /sys/module/kvm_amd ]] && echo direct || echo emulated) KVM host" >&2
tests/kvm-host/run --image-dir "$bin/tests/kvm-host/host-6.12" --timeout $((600 + 600 * rounds)) \
  --in "$work/zvmm" --in "$work/bzImage" --in "$work/initramfs.cpio" --in "$work/workload.cpio" \
  --in "$work/zvmm-base" --in "$work/initrd-qemu.cpio" --in "$work/host.sh" -- sh "$work/host.sh" >"$work/runs.txt"

# One line per row (in row order): name, zoned, median seq MiB/s, median IOPS,
# median interrupts per randread I/O.
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) exit; print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
: >"$work/results.txt"
for name in $rows; do
  grep -q "^$name " "$work/runs.txt" || continue
  zoned="$(awk -v n="$name" '$1 == n && $2 != "" { print $2; exit }' "$work/runs.txt")"
  seq="$(awk -v n="$name" '$1 == n && $3 != "" { print $3 }' "$work/runs.txt" | median)"
  iops="$(awk -v n="$name" '$1 == n && $4 != "" { print $4 }' "$work/runs.txt" | median)"
  irq="$(awk -v n="$name" '$1 == n && $5 ~ /^[0-9.]+$/ { print $5 }' "$work/runs.txt" | median)"
  echo "$name $zoned $seq $iops $irq" >>"$work/results.txt"
done

field() { awk -v n="$1" -v f="$2" '$1 == n {print $f}' "$work/results.txt"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "nan" }'; }
if [[ $json -eq 1 ]]; then
  printf '['
  sep=""
  while read -r name zoned seq iops irq; do
    printf '%s{"name":"%s","zoned":"%s","seq_write_mib_s":%s,"randread_4k_qd32_iops":%s,"randread_irqs_per_io":%s,"rounds":%s}' \
      "$sep" "$name" "$zoned" "${seq:-null}" "${iops:-null}" "${irq:-null}" "$rounds"
    sep=","
  done <"$work/results.txt"
  printf ']\n'
else
  printf '%-24s %-13s %16s %18s %10s\n' "guest disk" "zoned" "seq write MiB/s" "randread 4k IOPS" "irqs/I/O"
  while read -r name zoned seq iops irq; do
    printf '%-24s %-13s %16s %18s %10s\n' "$name" "${zoned:--}" "${seq:-failed}" "${iops:-failed}" "${irq:--}"
  done <"$work/results.txt"
  echo "ratios: randread IOPS zvmm zoned / QEMU virtio-blk $(ratio "$(field zvmm-virtio-blk-zoned 4)" "$(field qemu-virtio-blk 4)")," \
    "zvmm plain / QEMU virtio-blk $(ratio "$(field zvmm-virtio-blk 4)" "$(field qemu-virtio-blk 4)")," \
    "zvmm zoned / QEMU NVMe ZNS $(ratio "$(field zvmm-virtio-blk-zoned 4)" "$(field qemu-nvme-zns 4)") (goal >= 1.2);" \
    "seq write zvmm zoned / QEMU NVMe ZNS $(ratio "$(field zvmm-virtio-blk-zoned 3)" "$(field qemu-nvme-zns 3)")"
fi
[[ "$(wc -l <"$work/results.txt")" -eq "$(wc -w <<<"$rows")" ]] && ! grep -qE '^\S+ *$' "$work/results.txt"

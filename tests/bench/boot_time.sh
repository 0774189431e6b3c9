#!/usr/bin/env bash
# Time to guest userspace, zvmm vs qemu-system-x86_64 -accel kvm: the same kernel,
# the same initramfs, the same memory and vCPUs, inside the same (emulated or real)
# KVM host, in the same run. Prints the median over N boots each and the ratio.
#
# usage: boot_time.sh [--boots N] [--json]
# Builds what it needs with Bazel. "Userspace" is the first line printed by a tiny
# init (rdinit=/bench-init) appended to the guest initramfs; the clock starts just
# before the VMM process is started.
set -euo pipefail
cd "$(dirname "$0")/../.."
boots=5 json=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --boots) boots="$2"; shift 2 ;;
    --json) json=1; shift ;;
    *) echo "usage: boot_time.sh [--boots N] [--json]" >&2; exit 2 ;;
  esac
done
[[ "$boots" =~ ^[0-9]+$ && "$boots" -ge 1 ]] || { echo "boot_time.sh: --boots needs a positive number" >&2; exit 2; }

bazel build //vmm:zvmm //guest-images:image //tests/kvm-host:host_image_6.12 2>&1 | grep -E '^ERROR' && exit 1
bin="$(bazel info bazel-bin 2>/dev/null)"
work="$(mktemp -d /tmp/zvmm-boot-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT

cat >"$work/bench-init" <<'INIT'
#!/bin/sh
echo ZVMM-BENCH-USERSPACE
/usr/bin/zvmm-guest exit 0
/bin/poweroff -f
INIT
chmod +x "$work/bench-init"
(cd "$work" && echo bench-init | cpio --quiet -o -H newc -R 0:0 >bench.cpio)
cp "$bin/guest-images/bzImage" "$bin/guest-images/initramfs.cpio" "$bin/vmm/zvmm" "$work/"
cat "$work/initramfs.cpio" "$work/bench.cpio" >"$work/initrd-qemu.cpio"

cmdline="console=ttyS0 quiet panic=-1 rdinit=/bench-init"
cat >"$work/host.sh" <<HOST
# Runs inside the KVM host. Prints "vmm seconds" per boot.
measure() {  # measure NAME COMMAND...: seconds from start to the userspace line
  name=\$1; shift
  start=\$(cut -d' ' -f1 /proc/uptime)
  "\$@" 2>/dev/null | tr -d '\r' | while IFS= read -r line; do
    if [ "\$line" = ZVMM-BENCH-USERSPACE ]; then
      now=\$(cut -d' ' -f1 /proc/uptime)
      echo "\$name \$(echo "\$start \$now" | awk '{printf "%.3f", \$2 - \$1}')"
    fi
  done
}
i=0
while [ \$i -lt $boots ]; do
  measure zvmm $work/zvmm --kernel $work/bzImage --initrd $work/initramfs.cpio,$work/bench.cpio \\
    --memory 512M --cpus 1 --cmdline "$cmdline"
  measure qemu qemu-system-x86_64 -accel kvm -cpu host -m 512M -smp 1 -nodefaults -display none \\
    -no-reboot -serial stdio -kernel $work/bzImage -initrd $work/initrd-qemu.cpio \\
    -append "$cmdline" -device isa-debug-exit,iobase=0xf4,iosize=1
  i=\$((i + 1))
done
HOST

mode=$([[ -e /sys/module/kvm_intel || -e /sys/module/kvm_amd ]] && echo direct || echo emulated)
echo "boot-time benchmark: $boots boots each, $mode KVM host" >&2
tests/kvm-host/run --image-dir "$bin/tests/kvm-host/host-6.12" --timeout 1200 \
  --in "$work/zvmm" --in "$work/bzImage" --in "$work/initramfs.cpio" --in "$work/bench.cpio" \
  --in "$work/initrd-qemu.cpio" --in "$work/host.sh" -- sh "$work/host.sh" | tee "$work/times.txt" >&2

median() { grep "^$1 " "$work/times.txt" | awk '{print $2}' | sort -n | awk '{a[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
zvmm="$(median zvmm)" qemu="$(median qemu)"
nz="$(grep -c '^zvmm ' "$work/times.txt" || true)" nq="$(grep -c '^qemu ' "$work/times.txt" || true)"
ratio="$(awk -v z="$zvmm" -v q="$qemu" 'BEGIN { if (q > 0 && z > 0) printf "%.2f", z / q; else print "nan" }')"
if [[ $json -eq 1 ]]; then
  printf '{"host":"%s","boots":%d,"zvmm_median_s":%s,"qemu_median_s":%s,"zvmm_boots_ok":%d,"qemu_boots_ok":%d,"ratio":%s}\n' \
    "$mode" "$boots" "$zvmm" "$qemu" "$nz" "$nq" "$ratio"
else
  printf 'time to guest userspace (median of %d, %s KVM host)\n' "$boots" "$mode"
  printf '  zvmm  %6s s  (%d/%d boots reached userspace)\n' "$zvmm" "$nz" "$boots"
  printf '  qemu  %6s s  (%d/%d boots reached userspace)\n' "$qemu" "$nq" "$boots"
  printf '  ratio zvmm/qemu %s (goal <= 0.50)\n' "$ratio"
fi
[[ "$nz" -eq "$boots" && "$nq" -eq "$boots" ]]

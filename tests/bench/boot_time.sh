#!/usr/bin/env bash
# Time to guest userspace, zvmm vs qemu-system-x86_64 -accel kvm: the same kernel
# build, the same initramfs, the same memory, vCPUs and command line, inside the
# same (emulated or real) KVM host, in the same run, boots interleaved.
#
# usage: boot_time.sh [--boots N] [--json]
#
# Four rows, the median over N boots each:
#   zvmm bzImage   zvmm, 64-bit entry of the bzImage (its decompressor runs first)
#   zvmm vmlinux   zvmm, the uncompressed ELF vmlinux entered at its physical entry
#   qemu bzImage   QEMU -kernel bzImage (SeaBIOS + linuxboot option ROM)
#   qemu vmlinux   QEMU -kernel vmlinux (QEMU 7.2 boots an ELF vmlinux via PVH)
# Headline ratio: each VMM's fastest way to boot this kernel (zvmm best / qemu
# best). Also printed: like for like, zvmm/qemu with the bzImage and with the
# vmlinux. docs/performance.md ("Boot time") has the numbers and the reasoning.
#
# "Userspace" is the first line printed by a tiny init (rdinit=/bench-init)
# appended to the guest initramfs; the clock starts just before the VMM process
# is started. Builds what it needs with Bazel; BAZEL_STARTUP (startup options,
# e.g. --output_base=DIR) and BAZEL_ARGS (build options; default -c opt, like the QEMU we compare with) are passed to it.
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

# shellcheck disable=SC2086  # word splitting of the option lists is intended
bazel ${BAZEL_STARTUP:-} build ${BAZEL_ARGS:--c opt} //vmm:zvmm //guest-images:image //tests/kvm-host:host_image_6.12 2>&1 \
  | grep -E '^ERROR' && exit 1
# shellcheck disable=SC2086
bin="$(bazel ${BAZEL_STARTUP:-} info ${BAZEL_ARGS:--c opt} bazel-bin 2>/dev/null)"
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
cp "$bin/guest-images/bzImage" "$bin/guest-images/vmlinux" "$bin/guest-images/initramfs.cpio" "$bin/vmm/zvmm" "$work/"
cat "$work/initramfs.cpio" "$work/bench.cpio" >"$work/initrd-qemu.cpio"

cmdline="console=ttyS0 quiet panic=-1 rdinit=/bench-init"
cat >"$work/host.sh" <<HOST
# Runs inside the KVM host. Prints "row seconds" per boot.
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
zvmm() {  # zvmm KERNEL
  $work/zvmm --kernel "\$1" --initrd $work/initramfs.cpio,$work/bench.cpio \\
    --memory 512M --cpus 1 --cmdline "$cmdline"
}
qemu() {  # qemu KERNEL
  qemu-system-x86_64 -accel kvm -cpu host -m 512M -smp 1 -nodefaults -display none \\
    -no-reboot -serial stdio -kernel "\$1" -initrd $work/initrd-qemu.cpio \\
    -append "$cmdline" -device isa-debug-exit,iobase=0xf4,iosize=1
}
i=0
while [ \$i -lt $boots ]; do
  measure zvmm-bzimage zvmm $work/bzImage
  measure zvmm-vmlinux zvmm $work/vmlinux
  measure qemu-bzimage qemu $work/bzImage
  measure qemu-vmlinux qemu $work/vmlinux
  i=\$((i + 1))
done
HOST

mode=$([[ -e /sys/module/kvm_intel || -e /sys/module/kvm_amd ]] && echo direct || echo emulated)
echo "boot-time benchmark: $boots boots per row, $mode KVM host" >&2
tests/kvm-host/run --image-dir "$bin/tests/kvm-host/host-6.12" --timeout $((120 + boots * 4 * 60)) \
  --in "$work/zvmm" --in "$work/bzImage" --in "$work/vmlinux" --in "$work/initramfs.cpio" \
  --in "$work/bench.cpio" --in "$work/initrd-qemu.cpio" --in "$work/host.sh" -- sh "$work/host.sh" \
  | tee "$work/times.txt" >&2

median() { grep "^$1 " "$work/times.txt" | awk '{print $2}' | sort -n | awk '{a[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
count() { grep -c "^$1 " "$work/times.txt" || true; }
ratio() { awk -v z="$1" -v q="$2" 'BEGIN { if (q > 0 && z > 0) printf "%.2f", z / q; else print "nan" }'; }
best() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan") print b; else if (b == "nan" || a + 0 <= b + 0) print a; else print b }'; }
zb="$(median zvmm-bzimage)" zv="$(median zvmm-vmlinux)" qb="$(median qemu-bzimage)" qv="$(median qemu-vmlinux)"
zbest="$(best "$zb" "$zv")" qbest="$(best "$qb" "$qv")"
headline="$(ratio "$zbest" "$qbest")" like_bz="$(ratio "$zb" "$qb")" like_vmlinux="$(ratio "$zv" "$qv")"
rows=(zvmm-bzimage zvmm-vmlinux qemu-bzimage qemu-vmlinux)
ok=1
for r in "${rows[@]}"; do [[ "$(count "$r")" -eq "$boots" ]] || ok=0; done
if [[ $json -eq 1 ]]; then
  printf '{"host":"%s","boots":%d,"zvmm_bzimage_s":%s,"zvmm_vmlinux_s":%s,"qemu_bzimage_s":%s,"qemu_vmlinux_s":%s,' \
    "$mode" "$boots" "$zb" "$zv" "$qb" "$qv"
  printf '"zvmm_median_s":%s,"qemu_median_s":%s,"ratio":%s,"ratio_bzimage":%s,"ratio_vmlinux":%s,' \
    "$zbest" "$qbest" "$headline" "$like_bz" "$like_vmlinux"
  printf '"boots_ok":{"zvmm_bzimage":%d,"zvmm_vmlinux":%d,"qemu_bzimage":%d,"qemu_vmlinux":%d}}\n' \
    "$(count zvmm-bzimage)" "$(count zvmm-vmlinux)" "$(count qemu-bzimage)" "$(count qemu-vmlinux)"
else
  printf 'time to guest userspace (median of %d, %s KVM host)\n' "$boots" "$mode"
  for r in "${rows[@]}"; do
    printf '  %-13s %6s s  (%d/%d boots reached userspace)\n' "$r" "$(median "$r")" "$(count "$r")" "$boots"
  done
  printf '  ratio zvmm/qemu, each at its fastest: %s (goal <= 0.50)\n' "$headline"
  printf '  like for like: bzImage %s, vmlinux %s\n' "$like_bz" "$like_vmlinux"
fi
[[ $ok -eq 1 ]]

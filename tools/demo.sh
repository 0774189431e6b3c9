#!/usr/bin/env bash
# make demo: build, boot a headless guest with a zoned disk inside the emulated KVM
# host (or directly on a real KVM host), run a fio --zonemode=zbd workload, print a
# summary.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*"; }

step "building the guest image, the emulated KVM host image and the tools"
bazel build //guest-images:image //guest-images:workload_cpio //tests/kvm-host:host_image_6.12 \
  //tests/kvm-host:harness 2>&1 | grep -E '^(ERROR|\[guest-images\]|\[kvm-host\])' || true
bin="$(bazel info bazel-bin 2>/dev/null)"
[[ -s "$bin/guest-images/initramfs.cpio" ]] || { echo "demo: build failed" >&2; exit 1; }

work="$(mktemp -d /tmp/zvmm-demo.XXXXXX)"
trap 'rm -rf "$work"' EXIT
guest-images/make-workload-cpio "$work/workload.cpio" tools/demo-guest.sh
cat "$bin/guest-images/initramfs.cpio" "$work/workload.cpio" >"$work/initrd.cpio"
cp "$bin/guest-images/bzImage" "$work/bzImage"

# The zoned disk: 32 zones of 16 MiB (12 MiB capacity), max 8 open / 12 active.
# zvmm's own zoned virtio-blk disk replaces QEMU's NVMe ZNS namespace here once the
# virtio-blk issue lands; until then the guest boots under QEMU -accel kvm.
cat >"$work/host.sh" <<HOST
set -e
truncate -s 512M /tmp/zns.img
exec qemu-system-x86_64 -accel kvm -cpu host -m 1G -smp 2 -nodefaults -display none \\
  -no-reboot -serial stdio -kernel $work/bzImage -initrd $work/initrd.cpio \\
  -append "console=ttyS0 panic=-1 quiet" -device isa-debug-exit,iobase=0xf4,iosize=1 \\
  -drive file=/tmp/zns.img,id=zns,format=raw,if=none -device nvme,serial=zvmmdemo,id=nvme0 \\
  -device nvme-ns,drive=zns,bus=nvme0,nsid=1,zoned=true,zoned.zone_size=16M,zoned.zone_capacity=12M,zoned.max_open=8,zoned.max_active=12
HOST

step "booting the guest in the KVM host ($([[ -e /sys/module/kvm_intel || -e /sys/module/kvm_amd ]] && echo direct || echo "emulated: QEMU TCG, nested KVM")) and running fio --zonemode=zbd"
start=$SECONDS
tests/kvm-host/run --image-dir "$bin/tests/kvm-host/host-6.12" --timeout 600 \
  --in "$work/bzImage" --in "$work/initrd.cpio" --in "$work/host.sh" -- sh "$work/host.sh" 2>"$work/stderr.txt" |
  tr -d '\r' | tee "$work/console.txt" | grep -E '^(===|  )' || true
status="$(grep -o 'ZVMM-GUEST-EXIT=[0-9]*' "$work/console.txt" | cut -d= -f2)"
echo "  (whole run $((SECONDS - start)) s)"
if [[ "$status" != 0 ]]; then
  echo "demo: the guest workload failed (status ${status:-none}); its console:" >&2
  tail -n 30 "$work/console.txt" >&2
  cat "$work/stderr.txt" >&2
  exit 1
fi

#!/usr/bin/env bash
# make demo: build, boot a headless guest with a zoned disk inside the emulated KVM
# host (or directly on a real KVM host), run a fio --zonemode=zbd workload, print a
# summary.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*"; }

step "building the guest image, the emulated KVM host image and the tools"
bazel build -c opt //vmm:zvmm //zoned:zvmm-zones //guest-images:image //guest-images:workload_cpio \
  //tests/kvm-host:host_image_6.12 //tests/kvm-host:harness 2>&1 | grep -E '^(ERROR|\[guest-images\]|\[kvm-host\])' || true
bin="$(bazel info -c opt bazel-bin 2>/dev/null)"
[[ -s "$bin/guest-images/initramfs.cpio" ]] || { echo "demo: build failed" >&2; exit 1; }

work="$(mktemp -d /tmp/zvmm-demo.XXXXXX)"
trap 'rm -rf "$work"' EXIT
guest-images/make-workload-cpio "$work/workload.cpio" tools/demo-guest.sh
cp "$bin/guest-images/bzImage" "$bin/guest-images/initramfs.cpio" "$work/"

cp "$bin/vmm/zvmm" "$bin/zoned/zvmm-zones" "$work/"

# The zoned disk: a 512 MiB zvmm image, 32 zones of 16 MiB (12 MiB capacity), max 8
# open / 12 active, created on first use; zvmm-zones shows it from the host after.
cat >"$work/host.sh" <<HOST
set -e
$work/zvmm --kernel $work/bzImage --initrd $work/initramfs.cpio,$work/workload.cpio \\
  --memory 1G --cpus 2 --boot-time \\
  --disk virtio-blk,file=/tmp/demo.img,size=512M,zoned=hm,zone-size=16M,zone-capacity=12M,max-open=8,max-active=12
echo "  zvmm-zones info    \$($work/zvmm-zones info /tmp/demo.img | tail -n1 | sed 's/^ *//')"
HOST

step "booting the guest with zvmm in the KVM host ($([[ -e /sys/module/kvm_intel || -e /sys/module/kvm_amd ]] && echo direct || echo "emulated: QEMU TCG, nested KVM")) and running fio --zonemode=zbd"
start=$SECONDS
tests/kvm-host/run --image-dir "$bin/tests/kvm-host/host-6.12" --timeout 600 \
  --in "$work/zvmm" --in "$work/zvmm-zones" --in "$work/bzImage" --in "$work/initramfs.cpio" \
  --in "$work/workload.cpio" --in "$work/host.sh" -- sh "$work/host.sh" 2>"$work/stderr.txt" |
  tr -d '\r' | tee "$work/console.txt" | grep -E '^(===|  )' || true
grep -h 'guest userspace reached' "$work/stderr.txt" | sed 's/^zvmm: /  zvmm: /' || true
status="$(grep -o 'ZVMM-GUEST-EXIT=[0-9]*' "$work/console.txt" | cut -d= -f2)"
echo "  (whole run $((SECONDS - start)) s)"
if [[ "$status" != 0 ]]; then
  echo "demo: the guest workload failed (status ${status:-none}); its console:" >&2
  tail -n 30 "$work/console.txt" >&2
  cat "$work/stderr.txt" >&2
  exit 1
fi

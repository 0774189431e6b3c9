#!/usr/bin/env bash
# Guest-image smoke test: boot the guest image with zvmm (or with QEMU -accel kvm,
# as a reference) inside the emulated KVM host (or directly on a real KVM host),
# hand it a workload without rebuilding the image, and check what the guest saw.
#
# usage: smoke_test.sh BZIMAGE INITRAMFS MAKE_WORKLOAD_CPIO KVM_HOST_RUN HOST_VMLINUX zvmm PATH|qemu
set -euo pipefail
bzimage="$1" initramfs="$2" make_workload="$3" kvm_host="$4" host_image_dir="$(dirname "$5")"
vmm="$6" zvmm="${7:-}"
work="$(mktemp -d "${TEST_TMPDIR:-/tmp}/smoke.XXXXXX")"
trap 'rm -rf "$work"' EXIT

cat >"$work/workload.sh" <<'WORKLOAD'
set -u
echo "kernel $(uname -r)"
echo "cpus $(nproc)"
grep -q virtio_blk /proc/modules && echo "module virtio_blk loaded"
grep -q btrfs /proc/modules && echo "module btrfs loaded"
for tool in bash fio blkzone blkdiscard nvme zbd mkfs.btrfs btrfs mkfs.ext4 lspci zvmm-guest; do
  command -v "$tool" >/dev/null && echo "tool $tool ok" || echo "tool $tool MISSING"
done
fio --version
cat <(echo "process substitution ok")
echo "workload file: $(cat /work/payload.txt)"
exit 42
WORKLOAD
echo "payload-$$" >"$work/payload.txt"
"$make_workload" "$work/workload.cpio" "$work/workload.sh" "$work/payload.txt"
# QEMU takes one initrd: concatenate. zvmm takes a list.
cat "$initramfs" "$work/workload.cpio" >"$work/initrd.cpio"

start=$(date +%s.%N)
if [[ "$vmm" == zvmm ]]; then
  zvmm="$(realpath -s "$zvmm")"
  "$kvm_host" --image-dir "$host_image_dir" --timeout 300 --in "$zvmm" --in "$bzimage" \
    --in "$initramfs" --in "$work/workload.cpio" -- \
    "$zvmm" --kernel "$bzimage" --initrd "$initramfs,$work/workload.cpio" --cpus 2 --memory 512M \
    >"$work/raw.txt" 2>"$work/err.txt" || true
else
  "$kvm_host" --image-dir "$host_image_dir" --timeout 300 --in "$bzimage" --in "$work/initrd.cpio" -- \
    qemu-system-x86_64 -accel kvm -cpu host -m 512M -smp 2 -nodefaults -display none \
    -no-reboot -serial stdio -kernel "$bzimage" -initrd "$work/initrd.cpio" \
    -append "console=ttyS0 panic=-1 quiet" -device isa-debug-exit,iobase=0xf4,iosize=1 \
    >"$work/raw.txt" 2>"$work/err.txt" || true
fi
end=$(date +%s.%N)
# The guest console ends lines with CR LF.
tr -d '\r' <"$work/raw.txt" >"$work/out.txt"
cat "$work/out.txt"

fail=0
expect() {
  if grep -qxF -- "$1" "$work/out.txt"; then
    echo "ok: $1"
  else
    echo "FAIL: expected the line '$1'"
    fail=1
  fi
}
expect "kernel $(cat "$(dirname "$bzimage")/kernel-release")"
expect "cpus 2"
expect "module virtio_blk loaded"
expect "module btrfs loaded"
for tool in bash fio blkzone blkdiscard nvme zbd mkfs.btrfs btrfs mkfs.ext4 lspci zvmm-guest; do
  expect "tool $tool ok"
done
expect "$(fio --version)"
expect "process substitution ok"
expect "workload file: payload-$$"
expect "ZVMM-GUEST-EXIT=42"
if [[ $fail -ne 0 ]]; then
  echo "--- stderr ---"
  cat "$work/err.txt"
  exit 1
fi
awk -v s="$start" -v e="$end" 'BEGIN { printf "smoke test passed ('"$vmm"'): harness round trip %.1f s\n", e - s }'

#!/usr/bin/env bash
# build-host-image.sh SERIES OUTDIR
#
# Builds the emulated KVM host ("L1"): OUTDIR/vmlinux, OUTDIR/initramfs.cpio and
# OUTDIR/kernel-release, from the Debian kernel SERIES (6.12, or 6.1 for host-aware
# scsi_debug disks). The initramfs holds busybox, bash, QEMU (for comparisons and the
# guest-image smoke test), zoned-device tools, and the modules that make /dev/kvm
# (kvm, kvm-amd) and the host-side test devices (null_blk, scsi_debug). Cached: it is
# rebuilt only when its inputs change.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
images="$here/../../guest-images"
ZVMM_LOG_TAG=kvm-host
# shellcheck source=guest-images/lib.sh
source "$images/lib.sh"
# shellcheck source=guest-images/rootfs.sh
source "$images/rootfs.sh"

HOST_MODULES=(kvm_amd kvm_intel virtio_pci virtio_blk configfs null_blk scsi_debug sd_mod)
HOST_PROGRAMS=(bash qemu-system-x86_64 blkzone blkdiscard blockdev zbd fio tar)
# Firmware QEMU needs to boot a Linux kernel with -nodefaults.
QEMU_FIRMWARE=(/usr/share/seabios/bios-256k.bin /usr/share/seabios/bios.bin
  /usr/share/qemu/kvmvapic.bin /usr/share/qemu/linuxboot.bin
  /usr/share/qemu/linuxboot_dma.bin /usr/share/qemu/pvh.bin)

[[ $# -eq 2 ]] || { echo "usage: build-host-image.sh SERIES OUTDIR" >&2; exit 2; }
series="$1" out="$2"
mkdir -p "$out"
"$images/build.sh" kernel "$series" "$out" >&2
release="$(cat "$out/kernel-release")"
kdir="$("$images/build.sh" kernel-dir "$series")"
tool="${ZVMM_GUEST_TOOL:-$here/../../bazel-bin/guest-images/tools/zvmm-guest}"
[[ -x "$tool" ]] || zvmm_die "zvmm-guest not built: bazel build //guest-images/tools:zvmm-guest"

key="$( {
  echo "$release"
  cat "$here/build-host-image.sh" "$here/init" "$images/rootfs.sh" "$tool"
  printf '%s\n' "${HOST_MODULES[@]}" "${HOST_PROGRAMS[@]}"
  rootfs_package_versions "${HOST_PROGRAMS[@]}"
  dpkg-query -W seabios qemu-system-data 2>/dev/null
} | sha256sum | cut -c1-16)"
cached="$(zvmm_cache_dir)/initramfs/host-$release-$key.cpio"
if [[ ! -f "$cached" ]]; then
  zvmm_log "building the emulated KVM host image for $release"
  stage="$(mktemp -d)"
  trap 'rm -rf "$stage"' EXIT
  rootfs_skeleton "$stage"
  rootfs_add_busybox "$stage"
  rootfs_add_programs "$stage" "${HOST_PROGRAMS[@]}"
  for fw in "${QEMU_FIRMWARE[@]}"; do rootfs_copy_file "$stage" "$fw"; done
  install -m 0755 "$tool" "$stage/usr/bin/zvmm-guest"
  # Some are built in (or absent) depending on the kernel: take the modules that exist.
  available=()
  for m in "${HOST_MODULES[@]}"; do
    rootfs_module_path "$kdir/pkg/lib/modules/$release/modules.dep" "$m" >/dev/null && available+=("$m")
  done
  rootfs_add_modules "$stage" "$kdir/pkg" "$release" "${available[@]}"
  install -m 0755 "$here/init" "$stage/init"
  mkdir -p "$(dirname "$cached")"
  rootfs_pack "$stage" "$cached.tmp"
  mv "$cached.tmp" "$cached"
  zvmm_log "emulated host image: $(du -h "$cached" | cut -f1)"
fi
cp "$cached" "$out/initramfs.cpio"

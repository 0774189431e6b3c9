#!/usr/bin/env bash
# Builds zvmm's guest image from Debian packages:
#
#   build.sh kernel  SERIES OUTDIR   bzImage, vmlinux, kernel-release in OUTDIR
#   build.sh guest   SERIES OUT.cpio the guest initramfs (uncompressed newc)
#   build.sh all     OUTDIR          both, for the default series (6.12)
#   build.sh kernel-dir SERIES       print the cache directory of SERIES's kernel
#
# SERIES is 6.12 (default guest kernel) or 6.1 (an emulated host that still exposes
# host-aware disks as zoned). Everything is cached under $ZVMM_CACHE (default
# ~/.cache/zvmm): the kernel .deb is downloaded once per machine and checked against
# apt's SHA256; an initramfs is rebuilt only when its inputs change.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ZVMM_LOG_TAG=guest-images
# shellcheck source=guest-images/lib.sh
source "$here/lib.sh"
# shellcheck source=guest-images/rootfs.sh
source "$here/rootfs.sh"

# Modules the guest loads at boot (dependencies are resolved from modules.dep).
# (nvme and nvme-core are built into the Debian 6.12 cloud kernel: modules.builtin.)
GUEST_MODULES=(virtio_blk mq-deadline btrfs zonefs)
# Programs the guest gets, with their shared libraries.
GUEST_PROGRAMS=(bash fio blkzone blkdiscard blockdev nvme zbd mkfs.btrfs btrfs
  mkfs.ext4 e2fsck fsck.ext4 lspci sha256sum)

usage() { sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2; }

# Extracts SERIES's kernel into the cache once; prints the cache directory, which
# holds bzImage, vmlinux, release and the package's lib/modules tree.
kernel_dir() {
  local series="$1" pkg deb dir release
  pkg="$(zvmm_kernel_package "$series")"
  [[ -n "$pkg" ]] || zvmm_die "no Debian kernel package found for series $series (apt-get update?)"
  deb="$(zvmm_fetch_deb "$pkg")"
  dir="$(zvmm_cache_dir)/kernels/$(basename "$deb" .deb)"
  if [[ ! -f "$dir/.done" ]]; then
    zvmm_log "extracting $(basename "$deb")"
    rm -rf "$dir" && mkdir -p "$dir/pkg"
    dpkg-deb -x "$deb" "$dir/pkg"
    release="$(ls "$dir/pkg/lib/modules" | head -n1)"
    cp "$dir/pkg/boot/vmlinuz-$release" "$dir/bzImage"
    echo "$release" >"$dir/release"
    depmod -b "$dir/pkg" "$release" || zvmm_die "depmod failed for $release"
    zvmm_log "extracting vmlinux from the bzImage"
    extract_vmlinux "$dir/bzImage" "$dir/vmlinux"
    touch "$dir/.done"
  fi
  printf '%s\n' "$dir"
}

# A bzImage's payload is compressed (zstd for Debian 6.12, lz4 for 6.1); the first
# stream that decompresses to an ELF file is vmlinux.
extract_vmlinux() {
  local bz="$1" out="$2" off magic tool
  for pair in "28b52ffd:zstd" "fd377a585a00:xz" "02214c18:lz4" "1f8b0800:gzip"; do
    magic="${pair%%:*}" tool="${pair##*:}"
    for off in $(LC_ALL=C grep -obUaP "$(echo "$magic" | sed 's/../\\x&/g')" "$bz" | cut -d: -f1 | head -n 5); do
      if tail -c +"$((off + 1))" "$bz" | $tool -dc 2>/dev/null >"$out.tmp" || [[ -s "$out.tmp" ]]; then
        if [[ "$(head -c 4 "$out.tmp" | od -An -tx1 | tr -d ' \n')" == "7f454c46" ]]; then
          mv "$out.tmp" "$out"
          return
        fi
      fi
    done
  done
  rm -f "$out.tmp"
  zvmm_die "could not find a vmlinux inside $bz"
}

cmd_kernel() {
  local series="$1" out="$2" dir
  dir="$(kernel_dir "$series")"
  mkdir -p "$out"
  cp "$dir/bzImage" "$out/bzImage"
  cp "$dir/vmlinux" "$out/vmlinux"
  cp "$dir/release" "$out/kernel-release"
  zvmm_log "kernel: $(cat "$dir/release") ($(basename "$dir"))"
}

cmd_guest() {
  local series="$1" out="$2" kdir release key cached stage
  kdir="$(kernel_dir "$series")"
  release="$(cat "$kdir/release")"
  key="$( {
    echo "$release"
    cat "$here/build.sh" "$here/rootfs.sh" "$here/init" "$(zvmm_guest_tool)"
    printf '%s\n' "${GUEST_MODULES[@]}" "${GUEST_PROGRAMS[@]}"
    rootfs_package_versions "${GUEST_PROGRAMS[@]}"
  } | sha256sum | cut -c1-16)"
  cached="$(zvmm_cache_dir)/initramfs/guest-$release-$key.cpio"
  if [[ ! -f "$cached" ]]; then
    zvmm_log "building guest initramfs for $release"
    stage="$(mktemp -d)"
    trap 'rm -rf "$stage"' RETURN
    rootfs_skeleton "$stage"
    rootfs_add_busybox "$stage"
    rootfs_add_programs "$stage" "${GUEST_PROGRAMS[@]}"
    install -m 0755 "$(zvmm_guest_tool)" "$stage/usr/bin/zvmm-guest"
    rootfs_add_modules "$stage" "$kdir/pkg" "$release" "${GUEST_MODULES[@]}"
    printf '%s\n' "${GUEST_MODULES[@]}" >"$stage/etc/zvmm/modules"
    install -m 0755 "$here/init" "$stage/init"
    mkdir -p "$(dirname "$cached")"
    rootfs_pack "$stage" "$cached.tmp"
    mv "$cached.tmp" "$cached"
    zvmm_log "guest initramfs: $(du -h "$cached" | cut -f1)"
  fi
  cp "$cached" "$out"
}

# The static guest tool: built by Bazel (passed in ZVMM_GUEST_TOOL) or by hand.
zvmm_guest_tool() {
  local tool="${ZVMM_GUEST_TOOL:-}"
  [[ -n "$tool" ]] || tool="$here/../bazel-bin/guest-images/tools/zvmm-guest"
  [[ -x "$tool" ]] || zvmm_die "zvmm-guest not built: bazel build //guest-images/tools:zvmm-guest (or set ZVMM_GUEST_TOOL)"
  printf '%s\n' "$(cd "$(dirname "$tool")" && pwd)/$(basename "$tool")"
}

[[ $# -ge 1 ]] || usage
case "$1" in
  kernel) [[ $# -eq 3 ]] || usage; cmd_kernel "$2" "$3" ;;
  kernel-dir) [[ $# -eq 2 ]] || usage; kernel_dir "$2" ;;
  guest) [[ $# -eq 3 ]] || usage; cmd_guest "$2" "$3" ;;
  all)
    [[ $# -eq 2 ]] || usage
    cmd_kernel 6.12 "$2"
    cmd_guest 6.12 "$2/initramfs.cpio"
    ;;
  *) usage ;;
esac

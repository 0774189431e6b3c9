# Building blocks for initramfs trees (sourced by guest-images/build.sh and
# tests/kvm-host/build-host-image.sh). A tree mirrors Debian's merged /usr.
# shellcheck shell=bash

rootfs_skeleton() {
  local root="$1"
  mkdir -p "$root"/usr/{bin,sbin,lib,lib64} "$root"/{etc/zvmm,proc,sys,dev,tmp,run,root,mnt,var/tmp}
  ln -s usr/bin "$root/bin"
  ln -s usr/sbin "$root/sbin"
  ln -s usr/lib "$root/lib"
  ln -s usr/lib64 "$root/lib64"
  echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
  echo "root:x:0:" >"$root/etc/group"
}

# Static busybox, with an applet link for every applet that no real program in
# the tree provides. (No link named busybox: init would fail with ELOOP.)
rootfs_add_busybox() {
  local root="$1" applet
  install -m 0755 /bin/busybox "$root/usr/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [[ "$applet" == busybox ]] && continue
    [[ -e "$root/usr/bin/$applet" || -e "$root/usr/sbin/$applet" ]] && continue
    ln -s busybox "$root/usr/bin/$applet"
  done
}

# Copies one file to the same path inside the tree, resolving symlinks.
rootfs_copy_file() {
  local root="$1" path="$2"
  mkdir -p "$root$(dirname "$path")"
  cp -L --preserve=mode "$path" "$root$path"
}

# Copies every shared library that ldd lists for an ELF file (and the dynamic
# loader) to the same path inside the tree; libraries already there are kept.
rootfs_add_libraries() {
  local root="$1" file="$2" lib
  for lib in $(ldd "$file" 2>/dev/null | grep -oE '/[^ ]+' | sort -u); do
    [[ -e "$lib" && ! -e "$root$lib" ]] && rootfs_copy_file "$root" "$lib"
  done
  return 0
}

# Copies programs (names on PATH or absolute paths) and every shared library that
# ldd lists for them. Real programs replace busybox applet links of the same name.
rootfs_add_programs() {
  local root="$1" prog path
  shift
  for prog in "$@"; do
    path="$(PATH="/usr/sbin:/usr/bin:/sbin:/bin:$PATH" command -v "$prog")" ||
      zvmm_die "program '$prog' is not installed (run tools/setup.sh)"
    path="$(readlink -f "$path")"
    rm -f "$root/usr/bin/$prog" "$root/usr/sbin/$prog"
    rootfs_copy_file "$root" "$path"
    # Keep the name it was asked by (mkfs.ext4 -> mke2fs, fsck.ext4 -> e2fsck).
    if [[ "$(basename "$path")" != "$prog" && "$prog" != */* ]]; then
      ln -sf "$path" "$root/usr/sbin/$prog"
    fi
    rootfs_add_libraries "$root" "$path"
  done
}

# Installs kernel modules and their dependencies (from modules.dep), decompressed,
# then runs depmod so busybox modprobe resolves dependencies in the guest.
rootfs_add_modules() {
  local root="$1" pkgroot="$2" release="$3" mod rel
  shift 3
  # The package ships no modules.dep: compute it once, in the cached package tree.
  local dep="$pkgroot/lib/modules/$release/modules.dep"
  [[ -s "$dep" ]] || depmod -b "$pkgroot" "$release" || zvmm_die "depmod failed for $release"
  local -A want=()
  local -a queue=("$@")
  while [[ ${#queue[@]} -gt 0 ]]; do
    mod="${queue[0]}"
    queue=("${queue[@]:1}")
    rel="$(rootfs_module_path "$dep" "$mod")" || zvmm_die "module $mod not found in $release"
    [[ -n "${want[$rel]:-}" ]] && continue
    want[$rel]=1
    for rel in $(grep -E "^${rel//./\\.}:" "$dep" | cut -d: -f2-); do
      queue+=("$(basename "${rel%%.ko*}")")
    done
  done
  for rel in "${!want[@]}"; do
    local dst="$root/usr/lib/modules/$release/${rel%.xz}"
    mkdir -p "$(dirname "$dst")"
    case "$rel" in
      *.xz) xz -dc "$pkgroot/lib/modules/$release/$rel" >"$dst" ;;
      *.zst) zstd -qdc "$pkgroot/lib/modules/$release/$rel" >"$dst" ;;
      *) cp "$pkgroot/lib/modules/$release/$rel" "$dst" ;;
    esac
  done
  cp "$pkgroot/lib/modules/$release"/modules.{order,builtin,builtin.modinfo} "$root/usr/lib/modules/$release/" 2>/dev/null || true
  depmod -b "$root" "$release" || zvmm_die "depmod failed inside the image"
}

# Path (relative to lib/modules/RELEASE) of module NAME in modules.dep; '-' and
# '_' are interchangeable in module names.
rootfs_module_path() {
  local dep="$1" name="$2" pat
  pat="${name//[-_]/[-_]}"
  grep -oE "^([^:]*/)?${pat}\.ko(\.xz|\.zst)?:" "$dep" | head -n1 | tr -d ':' | grep . 
}

# Packs a tree as an uncompressed newc cpio owned by root. (Uncompressed: the
# guest unpacks it faster than it could decompress it, and it concatenates.)
rootfs_pack() {
  local root="$1" out="$2"
  (cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) >"$out"
}

# Debian package versions behind a list of programs (part of cache keys).
rootfs_package_versions() {
  local prog path
  for prog in "$@"; do
    path="$(PATH="/usr/sbin:/usr/bin:/sbin:/bin:$PATH" command -v "$prog" 2>/dev/null)" || continue
    dpkg -S "$(readlink -f "$path")" 2>/dev/null | cut -d: -f1 | head -n1
  done | sort -u | xargs -r dpkg-query -W 2>/dev/null
  dpkg-query -W busybox-static 2>/dev/null
}

#!/usr/bin/env bash
# Host-side checks of zvmm's error handling: every error gives one "zvmm: ..."
# line on stderr and its documented exit status (vmm/exit_codes.h). No guest
# boots here; a synthetic bzImage (valid header, no kernel) stands in for one.
#
# usage: zvmm_errors_test.sh ZVMM MAKE_TEST_BZIMAGE
set -uo pipefail
zvmm="$1" make_bzimage="$2"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
failures=0

# expect STATUS PATTERN -- COMMAND...: runs COMMAND, checks its exit status and
# that stderr is one line matching PATTERN (grep -E).
expect() {
  local want="$1" pattern="$2"
  shift 3
  local err status
  err="$("$@" 2>&1 >/dev/null)"
  status=$?
  if [[ "$status" -ne "$want" ]] || ! grep -qE -- "$pattern" <<<"$err" || [[ "$err" == *$'\n'* ]]; then
    printf 'FAIL: %s\n  want status %s and one line of stderr matching /%s/\n  got status %s, stderr: %s\n' \
      "$*" "$want" "$pattern" "$status" "$err" >&2
    failures=$((failures + 1))
  else
    printf 'ok: status %s: %.160s\n' "$status" "$*"
  fi
}

"$make_bzimage" "$tmp/bzImage" || exit 1
"$make_bzimage" "$tmp/big-bzImage" --init-size 64 || exit 1
echo "not a kernel" >"$tmp/text"
head -c $((40 * 1024 * 1024)) /dev/zero >"$tmp/big.cpio"
: >"$tmp/small.cpio"

# Usage errors: 2.
expect 2 '^zvmm: --kernel PATH is required' -- "$zvmm"
expect 2 "^zvmm: unknown option '--frobnicate'" -- "$zvmm" --kernel "$tmp/bzImage" --frobnicate
expect 2 "^zvmm: --memory: 'lots' is not a size" -- "$zvmm" --kernel "$tmp/bzImage" --memory lots
expect 2 '^zvmm: --memory 8M is below the minimum' -- "$zvmm" --kernel "$tmp/bzImage" --memory 8M
# One size syntax for the whole command line (base/size.h): a bare number is bytes.
expect 2 '^zvmm: --memory 512 is below the minimum of 16M \(a bare number is bytes: for MiB write 512M\)$' -- \
  "$zvmm" --kernel "$tmp/bzImage" --memory 512
expect 2 "^zvmm: --memory: '2GB' is not a size \(a number with an optional unit K, M, G or T, powers of 1024; a bare number is bytes\)$" -- \
  "$zvmm" --kernel "$tmp/bzImage" --memory 2GB
expect 2 "^zvmm: --memory: '99999999999T' is too large$" -- "$zvmm" --kernel "$tmp/bzImage" --memory 99999999999T
expect 2 "^zvmm: --disk .*: zone-size: '4X' is not a size \(.*a bare number is bytes\)$" -- \
  "$zvmm" --kernel "$tmp/bzImage" --disk "virtio-blk,file=$tmp/z.img,size=64M,zone-size=4X"
expect 2 '^zvmm: --disk .*: device size 1000 is not a multiple of the 512-byte logical block size$' -- \
  "$zvmm" --kernel "$tmp/bzImage" --disk "virtio-blk,file=$tmp/odd.raw,zoned=none,size=1000"
expect 2 "^zvmm: --cpus: '0'" -- "$zvmm" --kernel "$tmp/bzImage" --cpus 0
expect 2 "^zvmm: --disk zoned.img: unknown device type 'zoned.img'" -- "$zvmm" --kernel "$tmp/bzImage" --disk zoned.img
expect 2 "^zvmm: --disk file=z.img: unknown device type 'file=z.img' \(virtio-blk or nvme\)$" -- \
  "$zvmm" --kernel "$tmp/bzImage" --disk file=z.img
# NVMe: what a Zoned Namespace cannot be; rules across --disk options are usage errors too.
expect 2 '^zvmm: --disk .*: conventional-zones=1: a Zoned Namespace has no conventional zones' -- \
  "$zvmm" --kernel "$tmp/bzImage" --disk "nvme,file=$tmp/n.img,size=64M,zone-size=16M,conventional-zones=1"
expect 2 '^zvmm: --disk .*: device size 40M is not a multiple of the zone size 16M' -- \
  "$zvmm" --kernel "$tmp/bzImage" --disk "nvme,file=$tmp/n.img,size=40M,zone-size=16M"
expect 2 '^zvmm: --disk .*: zoned=ha: NVMe has no host-aware zone model' -- \
  "$zvmm" --kernel "$tmp/bzImage" --disk "nvme,file=$tmp/n.img,size=64M,zoned=ha"
expect 2 '^zvmm: --disk .*,nsid=3: nsid=3 is already --disk .* on ctrl=c$' -- \
  "$zvmm" --kernel "$tmp/bzImage" --disk "nvme,file=$tmp/n1.img,zoned=none,ctrl=c,nsid=3" \
  --disk "nvme,file=$tmp/n2.img,zoned=none,ctrl=c,nsid=3"
expect 2 "^zvmm: --disk .*: unknown key 'colour'$" -- \
  "$zvmm" --kernel "$tmp/bzImage" --disk "virtio-blk,file=$tmp/z.img,colour=red"
expect 2 '^zvmm: --disk .*: size is given twice$' -- \
  "$zvmm" --kernel "$tmp/bzImage" --disk "virtio-blk,file=$tmp/z.img,size=64M,size=128M"
expect 2 '^zvmm: --disk .*: queues=0 is not a number from 1 to 64$' -- \
  "$zvmm" --kernel "$tmp/bzImage" --disk "virtio-blk,file=$tmp/z.img,queues=0"
expect 2 '^zvmm: --disk .*: zone size 5242880 is not a power of two' -- \
  "$zvmm" --kernel "$tmp/bzImage" --disk "virtio-blk,file=$tmp/z.img,size=64M,zone-size=5M"
expect 2 '^zvmm: --disk .*: max open zones 8 exceeds max active zones 4' -- \
  "$zvmm" --kernel "$tmp/bzImage" --disk "virtio-blk,file=$tmp/z.img,size=64M,zone-size=4M,max-open=8,max-active=4"
# Geometries a Linux guest would reject (docs/usage.md, Disks): refused up front, naming the rule.
expect 2 '^zvmm: --disk .*: device size 2M is smaller than the zone size 4M: a zoned disk needs at least one full zone' -- \
  "$zvmm" --kernel "$tmp/bzImage" --disk "virtio-blk,file=$tmp/runt.img,size=2M,zone-size=4M"
expect 2 '^zvmm: --disk .*: device size 32M is smaller than the zone size 64M' -- \
  "$zvmm" --kernel "$tmp/bzImage" --disk "virtio-blk,file=$tmp/runt.img,size=32M"
expect 2 '^zvmm: --disk .*: device size is 0: a disk needs a nonzero size$' -- \
  "$zvmm" --kernel "$tmp/bzImage" --disk "virtio-blk,file=$tmp/zero.img,size=0,zone-size=4M"
expect 2 '^zvmm: --disk .*: device size is 0: a disk needs a nonzero size$' -- \
  "$zvmm" --kernel "$tmp/bzImage" --disk "virtio-blk,file=$tmp/zero.raw,zoned=none,size=0"
expect 2 '^zvmm: --disk .*: max open zones \(40\) is larger than the number of sequential zones \(30\)' -- \
  "$zvmm" --kernel "$tmp/bzImage" --disk "virtio-blk,file=$tmp/z.img,size=128M,zone-size=4M,conventional-zones=2,max-open=40"
expect 2 '^zvmm: --disk .*: max active zones \(33\) is larger than the number of sequential zones \(32\)' -- \
  "$zvmm" --kernel "$tmp/bzImage" --disk "virtio-blk,file=$tmp/z.img,size=128M,zone-size=4M,max-open=4,max-active=33"
for f in runt.img zero.img zero.raw odd.raw; do
  [[ ! -e "$tmp/$f" ]] || { echo "FAIL: a refused --disk created $f" >&2; failures=$((failures + 1)); }
done
expect 2 '^zvmm: --disk .*: geometry options need size=' -- \
  "$zvmm" --kernel "$tmp/bzImage" --disk "virtio-blk,file=$tmp/z.img,zone-size=4M"
expect 2 '^zvmm: --disk .*: host devices take their geometry' -- \
  "$zvmm" --kernel "$tmp/bzImage" --disk "virtio-blk,host=/dev/null,size=1G"
expect 2 '^zvmm: kernel command line is 5000 bytes' -- "$zvmm" --kernel "$tmp/bzImage" --cmdline "$(head -c 5000 /dev/zero | tr '\0' x)"

# Disks that cannot be opened: 8 (opened before KVM: these runs stop at the missing KVM, 3).
expect 8 '^zvmm: --disk .*: .*/missing.img does not exist and no geometry' -- \
  "$zvmm" --kernel "$tmp/bzImage" --disk "virtio-blk,file=$tmp/missing.img"
expect 3 'KVM is not available' -- env ZVMM_KVM_DEVICE=/nonexistent/kvm \
  "$zvmm" --kernel "$tmp/bzImage" --disk "virtio-blk,file=$tmp/z.img,size=64M,zone-size=4M"
expect 3 'KVM is not available' -- env ZVMM_KVM_DEVICE=/nonexistent/kvm \
  "$zvmm" --kernel "$tmp/bzImage" --disk "virtio-blk,file=$tmp/z.img"
expect 8 '^zvmm: --disk .*: geometry mismatch .*device size 64M vs 128M' -- \
  "$zvmm" --kernel "$tmp/bzImage" --disk "virtio-blk,file=$tmp/z.img,size=128M,zone-size=4M"
expect 8 '^zvmm: --disk .*: .*/missing.raw does not exist and no size' -- \
  "$zvmm" --kernel "$tmp/bzImage" --disk "virtio-blk,file=$tmp/missing.raw,zoned=none"
expect 3 'KVM is not available' -- env ZVMM_KVM_DEVICE=/nonexistent/kvm \
  "$zvmm" --kernel "$tmp/bzImage" --disk "virtio-blk,file=$tmp/plain.raw,zoned=none,size=16M"
expect 8 '^zvmm: --disk .*plain.raw: existing plain image is 16M, not the size=32M' -- \
  "$zvmm" --kernel "$tmp/bzImage" --disk "virtio-blk,file=$tmp/plain.raw,zoned=none,size=32M"
expect 8 '^zvmm: --disk virtio-blk,host=/dev/null: .*' -- \
  "$zvmm" --kernel "$tmp/bzImage" --disk "virtio-blk,host=/dev/null"

# Kernel or initrd missing or invalid: 5.
expect 5 '^zvmm: cannot read kernel .*/missing: No such file' -- "$zvmm" --kernel "$tmp/missing"
expect 5 '^zvmm: kernel is not a usable bzImage' -- "$zvmm" --kernel "$tmp/text"
printf '\177ELF\001\001\001' >"$tmp/elf32" && head -c 100 /dev/zero >>"$tmp/elf32"
expect 5 '^zvmm: kernel .*/elf32 is not a usable ELF vmlinux: not ELF64' -- "$zvmm" --kernel "$tmp/elf32"
expect 5 '^zvmm: cannot read initrd .*/missing.cpio' -- "$zvmm" --kernel "$tmp/bzImage" --initrd "$tmp/small.cpio,$tmp/missing.cpio"

# Guest memory too small: 6.
expect 6 '^zvmm: guest memory of 32 MiB is too small for the kernel' -- "$zvmm" --kernel "$tmp/big-bzImage" --memory 32M
expect 6 '^zvmm: guest memory of 48 MiB is too small for the kernel .* plus the initrd' -- \
  "$zvmm" --kernel "$tmp/bzImage" --memory 48M --initrd "$tmp/big.cpio"

# KVM missing or not KVM: 3.
expect 3 '^zvmm: /nonexistent/kvm does not exist: KVM is not available' -- \
  env ZVMM_KVM_DEVICE=/nonexistent/kvm "$zvmm" --kernel "$tmp/bzImage"
expect 3 '^zvmm: /dev/null reports KVM API version' -- env ZVMM_KVM_DEVICE=/dev/null "$zvmm" --kernel "$tmp/bzImage"

# PVM-backed /dev/kvm: 4 (only where the PVM module is loaded).
if [[ -e /sys/module/kvm_pvm && -r /dev/kvm && -w /dev/kvm ]]; then
  expect 4 '^zvmm: /dev/kvm is provided by PVM .*tests/kvm-host/run' -- env -u ZVMM_ALLOW_PVM "$zvmm" --kernel "$tmp/bzImage"
else
  echo "skip: /dev/kvm is not PVM-backed here"
fi

# Help and version: 0 on stdout.
"$zvmm" --help | grep -q '^exit status:' || { echo "FAIL: --help lacks the exit status table" >&2; failures=$((failures + 1)); }
"$zvmm" --version | grep -qE '^zvmm [0-9]+\.[0-9]+\.[0-9]+$' || { echo "FAIL: --version" >&2; failures=$((failures + 1)); }

if [[ "$failures" -gt 0 ]]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all checks passed"

#!/usr/bin/env bash
# Installs every Debian package that zvmm's build, tests, demo and benchmarks need.
# Idempotent: silent when everything is present; otherwise says what it installs.
set -euo pipefail

PACKAGES=(
  # build
  bazel-bootstrap g++ make libc6-dev linux-libc-dev googletest libboost-dev
  liburing-dev libzbd-dev libbenchmark-dev nlohmann-json3-dev
  # make fuzz: libFuzzer and the sanitizers of clang 14
  clang-14 libclang-rt-14-dev
  # guest images (kernel from Debian's archive, userspace from these packages)
  apt dpkg kmod cpio zstd xz-utils lz4 busybox-static bash fio nvme-cli util-linux
  zbd-utils btrfs-progs e2fsprogs pciutils
  # emulated KVM host and comparisons
  qemu-system-x86 qemu-utils coreutils gawk
  # benchmark reports (tests/bench/fio_report.py reads fio's JSON)
  python3
)

missing=()
for p in "${PACKAGES[@]}"; do
  status="$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)"
  [[ "$status" == installed ]] || missing+=("$p")
done

as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    echo "setup: need root to run: $*" >&2
    exit 1
  fi
}

# The guest image needs apt's package lists to find the kernel package.
lists_ready() { [[ "$(apt-cache pkgnames linux-image-6.12 2>/dev/null | wc -l)" -gt 0 ]]; }

if [[ ${#missing[@]} -gt 0 ]] || ! lists_ready; then
  echo "setup: updating apt package lists"
  as_root apt-get update -qq >/dev/null
fi
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "setup: installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

#!/usr/bin/env bash
# make bench: every benchmark, each printing its numbers (see docs/performance.md).
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*"; }

step "zone engine vs raw io_uring vs null backend (4 KiB, QD1 and QD32)"
bazel build -c opt //zoned:bench 2>&1 | grep -E '^ERROR' || true
"$(bazel info -c opt bazel-bin 2>/dev/null)/zoned/bench"

step "virtio-blk device cost per request, no guest (4 KiB reads, 128 KiB zoned writes)"
bazel build -c opt //devices/virtio:blk_bench 2>&1 | grep -E '^ERROR' || true
"$(bazel info -c opt bazel-bin 2>/dev/null)/devices/virtio/blk_bench"

step "time to guest userspace: zvmm vs QEMU, same kernel and initramfs"
tests/bench/boot_time.sh

step "disk I/O in the guest (fio): zvmm virtio-blk vs QEMU virtio-blk and NVMe ZNS, medians of 3 rounds"
tests/bench/disk_io.sh --rounds 3

step "NVMe in the guest (fio): zvmm NVMe vs QEMU NVMe vs the host itself, medians of 3 rounds"
tests/bench/nvme_io.sh --rounds 3

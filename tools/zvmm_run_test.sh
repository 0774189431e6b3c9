#!/usr/bin/env bash
# Test of tools/zvmm-run with the images of this build (ZVMM_RUN_PREBUILT: the
# runfiles tree is laid out as bazel-bin): a command found by name on PATH
# (bash, brought in with its libraries) running a script given with --in, in
# the same working directory, with a zoned NVMe disk; its output streams back
# without the image's status line, and its exit status (3) is zvmm-run's.
set -euo pipefail
zvmm_run="$(realpath -s "$1")"
export ZVMM_RUN_PREBUILT="$(cd "$(dirname "$zvmm_run")/.." && pwd)"
work="$TEST_TMPDIR/work"
mkdir -p "$work" && cd "$work"
echo "hello from the host" >data.txt
cat >check.sh <<'GUEST'
echo "pwd=$(pwd)"
cat data.txt
echo "zones=$(blkzone report /dev/nvme0n1 | grep -c SEQ_WRITE_REQUIRED)"
exit 3
GUEST
status=0
"$zvmm_run" -q --in data.txt --in check.sh --disk nvme,file=z.img,size=64M,zone-size=4M \
  -- bash check.sh >out.txt 2>err.txt || status=$?
echo "--- stdout:"; cat out.txt; echo "--- stderr:"; cat err.txt; echo "---"
fails=0
expect() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fails=$((fails + 1)); fi; }
expect "exit status 3 (the command's)" '[[ $status -eq 3 ]]'
expect "same working directory" "grep -qx 'pwd=$work' out.txt"
expect "--in file at its path" "grep -qx 'hello from the host' out.txt"
expect "the zoned NVMe disk (64M / 4M = 16 zones)" "grep -qx 'zones=16' out.txt"
expect "no status line in the output" "! grep -q ZVMM-GUEST-EXIT out.txt"
expect "-q: no progress lines" "! grep -q '^zvmm-run:' err.txt"
[[ $fails -eq 0 ]]

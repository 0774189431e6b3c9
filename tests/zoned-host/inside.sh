#!/bin/bash
# Runs inside the emulated KVM host (tests/kvm-host/run), as root, after the
# modules were loaded by --setup. usage: inside.sh null_blk|scsi_debug CHECK_BINARY
#   null_blk   (Linux 6.12): /dev/nullb0 is zoned (host-managed); a scsi_debug
#              host-aware disk is a regular disk there and must be refused.
#   scsi_debug (Linux 6.1): the host-aware scsi_debug disk is zoned; a
#              non-zoned null_blk device must be refused.
set -uo pipefail
mode="$1" check="$2"
failures=0
step() {  # step NAME COMMAND...
  echo "--- $1"
  shift
  if ! "$@"; then
    echo "FAIL: $*"
    failures=$((failures + 1))
  fi
}

scsi_debug_disk() {
  local d
  for _ in $(seq 100); do
    for d in /sys/block/sd*; do
      [[ -e "$d/device/model" ]] && grep -q scsi_debug "$d/device/model" && { echo "/dev/${d##*/}"; return; }
    done
    sleep 0.1
  done
  echo "no scsi_debug disk appeared" >&2
  return 1
}

# blkzone report as "start len cap wptr cond type" in decimal sectors.
blkzone_zones() {
  blkzone report "$1" | sed -nE \
    's/.*start: (0x[0-9a-f]+), len (0x[0-9a-f]+), cap (0x[0-9a-f]+), wptr (0x[0-9a-f]+).*zcond: *([0-9]+).*type: *([0-9]+).*/\1 \2 \3 \4 \5 \6/p' |
    while read -r s l c w z t; do echo "$((s)) $((l)) $((c)) $((w)) $((z)) $((t))"; done
}

compare_report() {
  local dev="$1" ours theirs
  ours="$("$check" report "$dev")" || return 1
  theirs="$(blkzone_zones "$dev")"
  if [[ -z "$theirs" || "$ours" != "$theirs" ]]; then
    echo "report differs from blkzone report ($dev):"
    diff <(echo "$ours") <(echo "$theirs") | head -20
    return 1
  fi
  echo "ok: $(echo "$ours" | wc -l) zones match blkzone report"
}

zoned_checks() {
  local dev="$1" model="$2"
  step "$dev: queue/zoned is $model" test "$(cat "/sys/block/${dev##*/}/queue/zoned")" = "$model"
  step "$dev: geometry, model, limits vs sysfs" "$check" geometry "$dev"
  step "$dev: zone report vs blkzone (fresh)" compare_report "$dev"
  step "$dev: writes, appends, zone ops, errors" "$check" exercise "$dev"
  step "$dev: zone report vs blkzone (after the exercise)" compare_report "$dev"
}

case "$mode" in
  null_blk)
    zoned_checks /dev/nullb0 host-managed
    sd="$(scsi_debug_disk)" || exit 1
    step "$sd (host-aware) is a regular disk on $(uname -r)" test "$(cat "/sys/block/${sd##*/}/queue/zoned")" = none
    step "$sd refused with the 6.12 explanation" "$check" refuse "$sd"
    ;;
  scsi_debug)
    sd="$(scsi_debug_disk)" || exit 1
    zoned_checks "$sd" host-aware
    step "/dev/nullb0 (not zoned) refused" "$check" refuse /dev/nullb0
    ;;
  *) echo "unknown mode $mode" >&2; exit 2 ;;
esac
echo "inside.sh $mode: $failures failure(s) on $(uname -r)"
[[ $failures -eq 0 ]]

#!/usr/bin/env bash
# guest_boot.sh ZONES_DIR ZVMM_ZONES -- ZVMM [ZVMM_ARG...]
#
# Runs on the (emulated) KVM host for zvmm_guest_test: runs zvmm with its
# arguments (stdin from /dev/null, stdout and stderr passed through), then
# writes the final zone report of every --disk to ZONES_DIR/disk-N.txt (N the
# disk's index in --disk order): `zvmm-zones info` + `report` for a zoned image,
# `blkzone report` for a host device, a one-line note for a plain disk. Exits
# with zvmm's status.
set -uo pipefail
[[ $# -ge 4 && "$3" == -- ]] || { echo "usage: guest_boot.sh ZONES_DIR ZVMM_ZONES -- ZVMM [ARG...]" >&2; exit 126; }
zones_dir="$1" zones_tool="$2"
shift 3

"$@" </dev/null
status=$?

mkdir -p "$zones_dir" || exit 125
args=("$@") i=0 n=0
while [[ $i -lt ${#args[@]} ]]; do
  if [[ "${args[$i]}" == --disk && $((i + 1)) -lt ${#args[@]} ]]; then
    spec="${args[$((i + 1))]}" out="$zones_dir/disk-$n.txt"
    file="" host="" zoned=hm
    IFS=, read -ra kv <<<"$spec"
    for item in "${kv[@]}"; do
      case "$item" in
        file=*) file="${item#file=}" ;;
        host=*) host="${item#host=}" ;;
        zoned=*) zoned="${item#zoned=}" ;;
      esac
    done
    {
      echo "# --disk $spec (after zvmm exited with $status)"
      if [[ -n "$host" ]]; then
        blkzone report "$host" 2>&1 || echo "blkzone report $host failed"
      elif [[ "$zoned" == none ]]; then
        echo "plain disk (zoned=none): no zones"
      elif [[ ! -e "$file" ]]; then
        echo "image $file was not created"
      else
        "$zones_tool" info "$file" 2>&1 && "$zones_tool" report "$file" 2>&1 ||
          echo "zvmm-zones could not read $file"
      fi
    } >"$out"
    n=$((n + 1))
    i=$((i + 2))
  else
    i=$((i + 1))
  fi
done
exit "$status"

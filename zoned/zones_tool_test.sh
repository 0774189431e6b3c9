#!/bin/bash
# End-to-end checks of the zvmm-zones command line.
set -u
tool="$1"
img="$TEST_TMPDIR/tool.img"
fail() { echo "FAIL: $*"; exit 1; }
expect_exit() {  # expect_exit CODE MESSAGE-PART cmd...
  local code="$1" part="$2"; shift 2
  out=$("$@" 2>&1); rc=$?
  [ "$rc" = "$code" ] || fail "'$*' exited $rc, wanted $code: $out"
  [[ "$out" == *"$part"* ]] || fail "'$*' output lacks '$part': $out"
}
expect_usage() {  # expect_usage MESSAGE-PART cmd...: exit 2, one line "zvmm-zones: ...", nothing created
  local part="$1"; shift
  expect_exit 2 "$part" "$@"
  [[ "$out" == "zvmm-zones: "* && "$out" != *$'\n'* ]] || fail "'$*' did not print one line: $out"
  [ ! -e "$TEST_TMPDIR/refused.img" ] || fail "'$*' created an image"
}
expect_exit 0 "usage:" "$tool" --help
expect_exit 2 "missing command" "$tool"
expect_exit 2 "not a multiple of the zone size" "$tool" create "$img" --size 100M --zone-size 64M
expect_exit 2 "larger than the zone size" "$tool" create "$img" --size 4G --zone-size 64M --zone-capacity 128M
expect_exit 2 "power of two" "$tool" create "$img" --size 4G --zone-size 48M
expect_exit 2 "hm or ha" "$tool" create "$img" --size 4G --zone-size 64M --model xx
# Geometries a Linux guest would reject (issue 9): refused, naming the rule.
bad="$TEST_TMPDIR/refused.img"
expect_usage "device size 2M is smaller than the zone size 4M: a zoned disk needs at least one full zone" \
  "$tool" create "$bad" --size 2M --zone-size 4M --small-last-zone
expect_usage "device size 2M is smaller than the zone size 4M" "$tool" create "$bad" --size 2M --zone-size 4M --model ha
expect_usage "device size is 0: a disk needs a nonzero size" "$tool" create "$bad" --size 0 --zone-size 4M
expect_usage "zone size is 0" "$tool" create "$bad" --size 4M --zone-size 0
expect_usage "max open zones (40) is larger than the number of sequential zones (30): give at most 30, or 0 for no limit" \
  "$tool" create "$bad" --size 128M --zone-size 4M --conventional 2 --max-open 40
expect_usage "max active zones (33) is larger than the number of sequential zones (32)" \
  "$tool" create "$bad" --size 128M --zone-size 4M --max-open 4 --max-active 33
expect_exit 0 "2 zones of 4M" "$tool" create "$TEST_TMPDIR/edge.img" --size 6M --zone-size 4M --small-last-zone \
  --max-open 2 --max-active 2
expect_exit 0 "max open 2, max active 2" "$tool" info "$TEST_TMPDIR/edge.img"
expect_exit 0 "64 zones of 64M" "$tool" create "$img" --size 4G --zone-size 64M --zone-capacity 48M --conventional 2 --max-open 8 --max-active 12
# Sparse: far less allocated than 4 GiB.
[ "$(du -k "$img" | cut -f1)" -lt 10240 ] || fail "image is not sparse"
expect_exit 1 "already exists" "$tool" create "$img" --size 4G --zone-size 64M
expect_exit 0 "max open 8" "$tool" info "$img"
expect_exit 0 '"nr_zones": 64' "$tool" info "$img" --json
expect_exit 0 "conventional" "$tool" report "$img"
expect_exit 0 '"cond": "empty"' "$tool" report "$img" --json
expect_exit 0 "" "$tool" reset "$img" 5
expect_exit 0 "" "$tool" reset "$img" --all
expect_exit 2 "not a zone index" "$tool" reset "$img" 99
expect_exit 2 "unknown option" "$tool" info "$img" --bogus
# open, close, finish, append (also on host devices: passthrough_host.sh).
expect_usage "open on an image has no lasting effect" "$tool" open "$img" 8
expect_usage "close on an image has no lasting effect" "$tool" close "$img" --all
expect_exit 0 "appended 4096 bytes to zone 9 at sector $((9 * 131072))" "$tool" append "$img" 9
printf 'zvmm%.0s' $(seq 256) >"$TEST_TMPDIR/append.bin"
expect_exit 0 "appended 1024 bytes to zone 9 at sector $((9 * 131072 + 8))" "$tool" append "$img" 9 --data "$TEST_TMPDIR/append.bin"
# The next open of the image is a power cycle: the appended zone is CLOSED.
out=$("$tool" report "$img" --start $((9 * 131072)) | head -1)
[[ "$out" == *"wp $(printf '%10d' $((9 * 131072 + 10))) "*closed* ]] || fail "zone 9 after the appends: $out"
expect_exit 0 "" "$tool" finish "$img" 9
out=$("$tool" report "$img" --start $((9 * 131072)) | head -1)
[[ "$out" == *full* ]] || fail "zone 9 after finish: $out"
expect_exit 1 "zone is full" "$tool" append "$img" 9
expect_exit 2 "a nonzero multiple of the 512-byte block" "$tool" append "$img" 10 --size 100
expect_exit 2 "needs a zone index or --all" "$tool" finish "$img"
expect_exit 0 "" "$tool" reset "$img" --all
# set-condition (issue 13): a fault at rest, persisted; offline also from read-only.
expect_exit 0 "" "$tool" set-condition "$img" 5 read-only
expect_exit 0 "" "$tool" set-condition "$img" 6 offline
out=$("$tool" report "$img" --filter read-only) || fail "report --filter read-only: $out"
[ "$(grep -c . <<<"$out")" = 1 ] && [[ "$out" == *"$((5 * 131072))"* ]] || fail "read-only zones: $out"
out=$("$tool" report "$img" --filter offline)
[ "$(grep -c . <<<"$out")" = 1 ] && [[ "$out" == *"$((6 * 131072))"* ]] || fail "offline zones: $out"
expect_exit 0 "" "$tool" set-condition "$img" 5 offline
[ "$("$tool" report "$img" --filter offline | grep -c .)" = 2 ] || fail "zone 5 did not go offline"
expect_exit 1 "invalid zone state transition" "$tool" set-condition "$img" 5 read-only
expect_exit 2 "is conventional" "$tool" set-condition "$img" 1 offline
expect_exit 2 "not read-only or offline" "$tool" set-condition "$img" 7 broken
expect_exit 2 "not a zone index" "$tool" set-condition "$img" 64 offline
expect_exit 2 "needs a zone index" "$tool" set-condition "$img" 7
echo junk > "$TEST_TMPDIR/junk.img"
expect_exit 1 "too short" "$tool" info "$TEST_TMPDIR/junk.img"
echo PASS

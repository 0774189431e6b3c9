# Assertions for guest scripts (packed next to the workload as /work/lib.sh).
# Each check prints "ok: ..." or "FAIL: ..."; `finish` exits 1 if any failed
# (after the tail of dmesg, the usual place to look).
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
# check WHAT GOT WANT
check() { if [[ "$2" == "$3" ]]; then ok "$1 = $2"; else bad "$1 = '$2', want '$3'"; fi; }
# run WHAT CMD...: the command must succeed (its output is shown).
run() {
  local what="$1"; shift
  if "$@"; then ok "$what"; else bad "$what: '$*' exited with $?"; fi
}
finish() {
  if [[ "$fails" -ne 0 ]]; then
    echo "--- dmesg | tail"; dmesg | tail -25
    echo "$fails check(s) failed"
    exit 1
  fi
  echo "all checks passed"
}
# Zone helpers over blkzone (512-byte sectors).
zone_line() { blkzone report -o "$2" -c 1 "$1" | head -1; }
zone_cond() { zone_line "$1" "$2" | sed -n 's/.*zcond: *[0-9]*(\([a-z]*\)).*/\1/p'; }
# The write pointer as blkzone prints it: relative to the zone start.
zone_wp() { zone_line "$1" "$2" | sed -n 's/.*wptr \(0x[0-9a-f]*\).*/\1/p'; }

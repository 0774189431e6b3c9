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
# fio without its progress line: on the guest's console (a tty) fio rewrites
# it every second, and console traffic from two vCPUs is what makes the
# emulated KVM host livelock on the 8250 port lock (docs/testing.md, "What is
# known about the freeze"); every test's fio output goes to a file or a pipe.
fio() { command fio --eta=never "$@"; }
# run_watched SECONDS WHAT CMD...: as run, but a command still running after
# SECONDS is a stall: the block layer's view of every disk is printed (requests
# the driver has in flight, the zone write plugs, the stacks of the command's
# processes), the command is killed and the check fails. "inflight" above 0
# means the device (zvmm) has not completed requests; 0 means the guest waits
# on itself.
run_watched() {
  local limit="$1" what="$2"; shift 2
  "$@" &
  local pid=$! waited=0
  while kill -0 "$pid" 2>/dev/null && [[ $waited -lt $limit ]]; do sleep 1; waited=$((waited + 1)); done
  if kill -0 "$pid" 2>/dev/null; then
    bad "$what: still running after ${limit} s: '$*'"
    stall_report
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
  fi
  if wait "$pid"; then ok "$what"; else bad "$what: '$*' exited with $?"; fi
}
stall_report() {
  echo "--- stall report"
  mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug 2>/dev/null
  local d
  for d in /sys/block/vd* /sys/block/nvme*n*; do
    [[ -e $d ]] || continue
    echo "${d##*/}: inflight (reads writes) $(cat "$d/inflight")"
    local dbg=/sys/kernel/debug/block/${d##*/}
    [[ -e $dbg/zone_wplugs ]] && { echo "zone_wplugs:"; head -20 "$dbg/zone_wplugs"; }
    local h
    for h in "$dbg"/hctx*; do
      [[ -e $h/busy ]] && [[ -s $h/busy ]] && { echo "${h##*/} busy:"; head -8 "$h/busy"; }
    done
  done
  local p
  for p in $(pgrep -x fio) $(pgrep -x blkzone); do
    echo "pid $p ($(cat /proc/$p/comm 2>/dev/null)) state $(awk '{print $3}' /proc/$p/stat 2>/dev/null) wchan $(cat /proc/$p/wchan 2>/dev/null)"
    [[ -r /proc/$p/stack ]] && head -12 /proc/$p/stack
  done
  dmesg | tail -15
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

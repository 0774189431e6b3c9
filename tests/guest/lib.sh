# Assertions for guest scripts (packed next to the workload as /work/lib.sh).
#
# Each check prints one line, "ok: NAME = GOT" / "ok: NAME" or
# "FAIL: NAME = 'GOT', want 'WANT'" / "FAIL: NAME: 'CMD' exited with N";
# zvmm_guest_test turns every such line into a JUnit test case named NAME
# (so a NAME should not itself contain " = " or ": '"); a check line counts
# only at the start of a console line, so commands whose output ends without a
# newline (fio's progress line; the fio function below drops it) hide the next
# one. Newlines and backslashes in NAME, GOT and WANT are printed as \n and
# \\, keeping each check on one console line. `finish` exits 1 if any failed (after the tail
# of dmesg, the usual place to look).
fails=0
_lib_esc() { local s="${1//\\/\\\\}"; printf '%s' "${s//$'\n'/\\n}"; }
ok() { echo "ok: $(_lib_esc "$*")"; }
bad() { echo "FAIL: $(_lib_esc "$*")"; fails=$((fails + 1)); }
# check NAME GOT WANT
check() {
  if [[ "$2" == "$3" ]]; then
    echo "ok: $(_lib_esc "$1") = $(_lib_esc "$2")"
  else
    echo "FAIL: $(_lib_esc "$1") = '$(_lib_esc "$2")', want '$(_lib_esc "$3")'"
    fails=$((fails + 1))
  fi
}
# run NAME CMD...: the command must succeed (its output is shown).
run() {
  local what="$1" status=0; shift
  "$@" || status=$?
  if [[ "$status" -eq 0 ]]; then ok "$what"; else bad "$what: '$*' exited with $status"; fi
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
# zbd_writers_with_opener DEV ZONE_SECTOR [OPENS]: the auto-close workload of
# zoned_autoclose.sh and nvme_zns_limits.sh. Three fio zbd writers (iodepth 4,
# 16 KiB, 16 MiB each from 4 MiB: 12 zones of 4 MiB with 3 MiB capacity, or
# as many of another size) with crc32c verify, under run_watched 150 (output
# in /tmp/multi.txt); beside them, unless OPENS is 0, another process opens
# and closes the zone at ZONE_SECTOR explicitly in a loop (blkzone), which
# must always succeed: at most one zone is explicitly open, so an open can
# always close an implicitly open one, whatever is in flight.
zbd_writers_with_opener() {
  local dev="$1" zone="$2" opens="${3:-1}" opener=""
  rm -f /tmp/writers-done /tmp/open-errors /tmp/open-result
  if [[ $opens != 0 ]]; then
    (
      fails=0 n=0
      while [[ ! -e /tmp/writers-done ]]; do
        blkzone open -o "$zone" -c 1 "$dev" 2>>/tmp/open-errors || fails=$((fails + 1))
        blkzone close -o "$zone" -c 1 "$dev" 2>>/tmp/open-errors || fails=$((fails + 1))
        n=$((n + 1))
      done
      echo "$n $fails" >/tmp/open-result
    ) &
    opener=$!
  fi
  run_watched 150 "fio 3 writers, iodepth 4, crc32c verify" fio --filename="$dev" --direct=1 \
    --ioengine=libaio --zonemode=zbd --ignore_zone_limits=1 --iodepth=4 --rw=write --bs=16k \
    --numjobs=3 --offset=4M --offset_increment=16M --size=16M --name=writers \
    --verify=crc32c --do_verify=1 --group_reporting --output=/tmp/multi.txt
  touch /tmp/writers-done
  grep -E "WRITE:|READ:|err=" /tmp/multi.txt
  check "fio errors" "$(grep -c 'err= *[1-9]' /tmp/multi.txt)" 0
  [[ -n $opener ]] || return 0
  wait "$opener"
  local rounds open_fails
  read -r rounds open_fails </tmp/open-result
  echo "explicit open/close rounds beside the writers: $rounds"
  [[ -s /tmp/open-errors ]] && head -5 /tmp/open-errors
  check "explicit open/close rounds ran" "$((rounds > 0))" 1
  check "explicit open/close failures" "$open_fails" 0
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

# save_output NAME FILE: sends FILE out of the guest over the console
# (gzip + base64, each line prefixed "ZVMM-FILE NAME ", so that kernel messages
# in between do no harm); zvmm_guest_test writes it to
# $TEST_UNDECLARED_OUTPUTS_DIR/NAME. NAME: letters, digits, '.', '_', '-'.
save_output() {
  [[ "$1" =~ ^[A-Za-z0-9._-]+$ ]] || { bad "save_output: bad name '$1'"; return 1; }
  [[ -f "$2" ]] || { bad "save_output $1: no such file $2"; return 1; }
  gzip -c <"$2" | base64 | sed "s/^/ZVMM-FILE $1 /"
  echo "ZVMM-FILE-END $1"
}

# fio_json NAME FIO_ARG...: runs fio (the function above: no progress line,
# which has no newline and would swallow the next check's line) with JSON
# output, checks its exit status
# and the error count of every job (as checks named NAME and "NAME errors"), and
# saves the JSON as NAME.json in the test's undeclared outputs.
fio_json() {
  local name="$1" json errs; shift
  json="/tmp/$name.json"
  run "$name" fio --output-format=json --output="$json" "$@"
  if [[ -s "$json" ]]; then
    errs="$(grep -o '"error" : [0-9]*' "$json" | awk '{s += $3} END {print s + 0}')"
    check "$name errors" "$errs" 0
    save_output "$name.json" "$json"
  fi
}

# Zone helpers over blkzone (512-byte sectors).
zone_line() { blkzone report -o "$2" -c 1 "$1" | head -1; }
zone_cond() { zone_line "$1" "$2" | sed -n 's/.*zcond: *[0-9]*(\([a-z]*\)).*/\1/p'; }
# The write pointer as blkzone prints it: relative to the zone start.
zone_wp() { zone_line "$1" "$2" | sed -n 's/.*wptr \(0x[0-9a-f]*\).*/\1/p'; }

# host_managed_disk: sets dev to the guest's one host-managed disk (/dev/vda,
# /dev/nvme0n1, ...), so that one script serves virtio-blk and NVMe ZNS alike;
# with none or several, fails the test with the kernel's view of its disks.
host_managed_disk() {
  local q name found=()
  for q in /sys/block/*/queue/zoned; do
    name="${q#/sys/block/}"
    [[ "$(cat "$q")" == host-managed ]] && found+=("/dev/${name%%/*}")
  done
  if ((${#found[@]} != 1)); then
    bad "want one host-managed disk, found ${#found[@]}: ${found[*]}"
    dmesg | grep -iE 'nvme|virtio_blk|zone' | tail -20
    finish
  fi
  dev="${found[0]}"
}

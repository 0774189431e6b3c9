#!/usr/bin/env bash
# The control socket end to end on the real zvmm binary with a tiny guest (a
# synthetic bzImage that spins: no Linux needed, so it runs on this host's
# /dev/kvm, PVM included) and zvmm-ctl: every command's human and --json
# output, errors and exit statuses, the socket's mode and removal, quit
# (exit 0, SHUTDOWN event), power-cut (exit 9, no open zone at the next open),
# a bad --control path (exit 2), and abuse (garbage, half messages, a 10 MiB
# line, 50 clients coming and going) that zvmm survives without leaking fds.
# Skipped without /dev/kvm.
#
# usage: zvmm_ctl_test.sh ZVMM ZVMM_CTL MAKE_TEST_BZIMAGE ZVMM_ZONES
set -uo pipefail
zvmm="$1" ctl="$2" make_bzimage="$3" zones="$4"
export ZVMM_ALLOW_PVM=1
if [[ ! -r /dev/kvm || ! -w /dev/kvm ]]; then
  echo "skip: no accessible /dev/kvm"
  exit 0
fi
tmp="$(mktemp -d /tmp/zvmm-ctl-test.XXXXXX)"  # short: socket paths are at most 107 bytes
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
failures=0
fail() { printf 'FAIL: %s\n' "$*" >&2; failures=$((failures + 1)); }
ok() { printf 'ok: %s\n' "$*"; }
check() { if [[ "$2" == "$3" ]]; then ok "$1 = $2"; else fail "$1 = '$2', want '$3'"; fi; }
"$make_bzimage" "$tmp/spin" --code spin || exit 1
sock="$tmp/ctl.sock"

start_zvmm() {  # start_zvmm LOG [ARG...]: zvmm in the background, waits for the socket
  local log="$1"; shift
  "$zvmm" --kernel "$tmp/spin" --memory 64M --console none --control "$sock" "$@" >"$tmp/$log" 2>&1 &
  zvmm_pid=$!
  for _ in $(seq 100); do [[ -S "$sock" ]] && return 0; sleep 0.05; done
  fail "no socket after 5 s: $(cat "$tmp/$log")"
  return 1
}
disk="virtio-blk,file=$tmp/z.img,size=64M,zone-size=4M,max-open=4,max-active=6"

# --- run 1: commands, then quit --------------------------------------------------
start_zvmm run1.log --disk "$disk" --disk "nvme,file=$tmp/n.raw,zoned=none,size=16M" || exit 1
check "socket mode" "$(stat -c %a "$sock")" 600
check "query-status" "$("$ctl" "$sock" query-status)" running
out="$("$ctl" "$sock" query-disks)"
echo "$out"
grep -qE '^vda +virtio-blk +host-managed +16 +4M +0/4 +0/6 ' <<<"$out" && ok "query-disks vda row" || fail "query-disks: $out"
grep -qE '^nvme0n1 +nvme +none ' <<<"$out" && ok "query-disks nvme0n1 row" || fail "query-disks: $out"
check "query-disks --json" "$("$ctl" --json "$sock" query-disks | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[0]["id"], d[0]["zones"], d[1]["nsid"])')" "vda 16 1"
check "zone-open" "$("$ctl" "$sock" zone-open vda 3)" "zone 3: explicit-open, wp 24576"
"$ctl" "$sock" --wait-event ZONE_CONDITION_CHANGED --timeout 10 >"$tmp/event" &
waiter=$!
sleep 0.3
check "zone-set-condition" "$("$ctl" "$sock" zone-set-condition disk=vda zone=5 condition=offline)" "zone 5: offline, wp 40960"
wait $waiter; check "wait-event status" $? 0
check "ZONE_CONDITION_CHANGED" "$(cat "$tmp/event")" \
  '{"condition":"offline","disk":"vda","previous":"empty","start":40960,"zone":5}'
check "zone-set-condition read-only" "$("$ctl" "$sock" zone-set-condition vda 6 read-only)" "zone 6: read-only, wp 49152"
out="$("$ctl" "$sock" query-zones vda --filter offline)"
echo "$out"
check "query-zones --filter offline" "$(awk '$1 == 5 {print $NF}' <<<"$out")" offline
check "query-zones count" "$("$ctl" "$sock" query-zones vda --zone 2 --count 3 | awk 'NR > 2 {print $1 ":" $NF}' | xargs)" \
  "2:empty 3:explicit-open 4:empty"
"$ctl" "$sock" zone-reset vda 5 2>"$tmp/err"; status=$?
check "zone-reset offline: status" "$status" 1
check "zone-reset offline: stderr" "$(cat "$tmp/err")" \
  "zvmm-ctl: zone-reset vda zone 5: invalid-transition (invalid zone state transition; the zone is offline)"
"$ctl" "$sock" zone-open vdq 1 2>"$tmp/err"; check "unknown disk status" $? 1
grep -q "no disk 'vdq' (disks: vda, nvme0n1)" "$tmp/err" && ok "unknown disk message" || fail "unknown disk: $(cat "$tmp/err")"
check "inject-error" "$("$ctl" "$sock" inject-error vda sector=8192 sectors=8 operation=read status=zone-offline count=2)" "fault 1 armed"
check "faults listed" "$("$ctl" --json "$sock" query-disks | python3 -c 'import json,sys; f=json.load(sys.stdin)[0]["faults"][0]; print(f["status"], f["count"], f["armed"])')" \
  "zone-offline 2 True"
check "clear-errors" "$("$ctl" "$sock" clear-errors)" "1 fault(s) cleared"
"$ctl" "$sock" frobnicate 2>"$tmp/err"; check "unknown command status" $? 1
"$ctl" "$sock" 2>/dev/null; check "usage status" $? 2
"$ctl" "$tmp/nope.sock" query-status 2>/dev/null; check "no socket status" $? 3

# Abuse: garbage, a half message left hanging, a 10 MiB line, 50 clients; the
# fds zvmm holds come back to where they were.
# zvmm closes a finished client's connection a moment after the client exits,
# so both counts are taken once the count has stopped changing.
fd_count() { ls /proc/$zvmm_pid/fd | wc -l; }
settled_fd_count() {  # settled_fd_count [WANT]: polls up to 5 s until stable (or WANT)
  local n last=-1
  for _ in $(seq 50); do
    n="$(fd_count)"
    [[ -n "${1:-}" && "$n" == "$1" ]] && break
    [[ -z "${1:-}" && "$n" == "$last" ]] && break
    last="$n"; sleep 0.1
  done
  echo "$n"
}
fds_before="$(settled_fd_count)"
python3 - "$sock" <<'PY' || fail "abuse script"
import json, socket, sys, time
path = sys.argv[1]
def conn():
    s = socket.socket(socket.AF_UNIX); s.connect(path); s.settimeout(5)
    f = s.makefile("rb"); json.loads(f.readline()); return s, f
s, f = conn()
s.sendall(b'garbage\n'); r = json.loads(f.readline()); assert r["error"]["class"] == "CommandNotFound" or r["error"]["class"] == "GenericError", r
s.sendall(b'{"execute":"qmp_capabilities"}\n'); assert json.loads(f.readline()) == {"return": {}}
s.sendall(b'\x00\xff{]\n'); assert "error" in json.loads(f.readline())
big = socket.socket(socket.AF_UNIX); big.connect(path); big.settimeout(5)
try:
    big.sendall(b'{"execute": "' + b'x' * (10 << 20))
except OSError:
    pass  # closed by zvmm mid-send
half = socket.socket(socket.AF_UNIX); half.connect(path); half.sendall(b'{"execute": "query-st')
clients = []
for i in range(50):
    c, cf = conn(); clients.append((c, cf))
    if i % 2: c.sendall(b'{"execute":"qmp_capabilities"}{"execute":"query-status","id":%d}' % i)
for i, (c, cf) in enumerate(clients):
    if i % 2:
        assert json.loads(cf.readline()) == {"return": {}}
        assert json.loads(cf.readline())["id"] == i
    c.close()
half.close(); big.close()
s.sendall(b'{"execute":"query-status"}\n'); assert json.loads(f.readline())["return"]["running"] is True
PY
# zvmm-ctl --raw (what the guest tests use where there is no python): the
# bytes go out as given, zvmm's replies come back, and it ends when zvmm closes.
raw="$(printf 'garbage\n{"execute":"qmp_capabilities"}\n{"execute":"query-status","id":7}\n{"execute": "query-st' |
  "$ctl" --timeout 10 --raw "$sock")"; check "--raw status" $? 0
check "--raw: greeting, error, return, return" "$(grep -c . <<<"$raw")" 4
grep -q '"error"' <<<"$raw" && ok "--raw: garbage before negotiation gets an error" || fail "--raw: $raw"
grep -q '"id":7' <<<"$raw" && ok "--raw: query-status answered" || fail "--raw: $raw"
head -c $((10 << 20)) /dev/zero | tr '\0' x >"$tmp/big"
raw="$("$ctl" --timeout 10 --raw "$sock" <"$tmp/big" 2>"$tmp/raw_err")"
check "--raw 10 MiB status" $? 0
grep -q '"error"' <<<"$raw" && ok "--raw 10 MiB: an error reply ($(tail -1 <<<"$raw"))" || fail "--raw 10 MiB: $raw"
"$ctl" --raw --json "$sock" </dev/null 2>/dev/null; check "--raw with --json: usage" $? 2
check "fds after abuse" "$(settled_fd_count "$fds_before")" "$fds_before"
kill -0 $zvmm_pid 2>/dev/null && ok "zvmm alive after abuse" || fail "zvmm died"

"$ctl" "$sock" --wait-event SHUTDOWN quit >"$tmp/event"; check "quit status" $? 0
check "SHUTDOWN event" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["reason"], d["exit-code"])' "$tmp/event")" \
  "host-qmp-quit 0"
wait $zvmm_pid; check "zvmm exit status after quit" $? 0
[[ -e "$sock" ]] && fail "socket left after quit" || ok "socket removed at exit"
check "offline zone persisted" "$("$zones" report "$tmp/z.img" | awk '$2 == 5 {print $NF}')" offline

# --- run 2: power-cut with a zone open ---------------------------------------------
start_zvmm run2.log --disk "virtio-blk,file=$tmp/z.img" || exit 1
"$ctl" "$sock" zone-open vda 7 >/dev/null
check "open before power-cut" "$("$ctl" "$sock" query-zones vda --filter explicit-open | awk 'NR > 2 {print $1}')" 7
"$ctl" "$sock" --wait-event SHUTDOWN power-cut >"$tmp/event"; check "power-cut status" $? 0
grep -q '"reason":"power-cut"' "$tmp/event" && ok "SHUTDOWN reason power-cut" || fail "event: $(cat "$tmp/event")"
wait $zvmm_pid; check "zvmm exit status after power-cut" $? 9
grep -q "zvmm: power cut from the control socket" "$tmp/run2.log" && ok "power-cut message" || fail "log: $(cat "$tmp/run2.log")"
[[ -e "$sock" ]] && fail "socket left after power-cut" || ok "socket removed after power-cut"
check "no open zone after power-cut" "$("$zones" report "$tmp/z.img" | grep -cE 'open')" 0

# --- a bad --control path ---------------------------------------------------------
touch "$tmp/file"
"$zvmm" --kernel "$tmp/spin" --memory 64M --console none --control "$tmp/file" 2>"$tmp/err"; status=$?
check "--control on a regular file: status" "$status" 2
grep -q "exists and is not a socket" "$tmp/err" && ok "--control refusal message" || fail "stderr: $(cat "$tmp/err")"
check "the file is untouched" "$(stat -c %F "$tmp/file")" "regular empty file"

[[ "$failures" -eq 0 ]] || { echo "$failures failure(s)"; exit 1; }
echo "all passed"

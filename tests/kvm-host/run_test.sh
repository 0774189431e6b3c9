#!/usr/bin/env bash
# Tests of the emulated-KVM-host harness (tests/kvm-host/run): exit status and
# streams pass through, inputs go in and outputs come out, and failures are
# reported clearly instead of hanging.
#
# usage: run_test.sh KVM_HOST_RUN HOST_VMLINUX
set -uo pipefail
run="$(realpath -s "$1")" image_dir="$(dirname "$(realpath -s "$2")")"
work="$(mktemp -d "${TEST_TMPDIR:-/tmp}/run_test.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export ZVMM_KVM_HOST=emulated
failures=0 passed=0

check() {  # check NAME CONDITION...
  local name="$1"
  shift
  if "$@"; then
    echo "ok: $name"
    passed=$((passed + 1))
  else
    echo "FAIL: $name"
    failures=$((failures + 1))
  fi
}

# 1. Status, stdout and stderr pass through separately; ZVMM_ variables too, and
# the command learns where it runs.
ZVMM_TEST_VALUE=v1 "$run" --image-dir "$image_dir" -- \
  sh -c 'echo "out $ZVMM_TEST_VALUE"; echo "mode $ZVMM_KVM_HOST_MODE"; echo err >&2; test -c /dev/kvm && echo kvm; exit 3' \
  >"$work/out" 2>"$work/err"
status=$?
check "exit status 3 passes through" test "$status" -eq 3
if [[ $status -ne 3 ]]; then  # say why, so that a flaky emulated host can be told from a harness bug
  echo "  (status $status; its stderr ends with:)"
  tail -n 15 "$work/err" | sed 's/^/    /'
fi
check "stdout carries the command's output" grep -qx "out v1" "$work/out"
check "the command sees ZVMM_KVM_HOST_MODE=emulated" grep -qx "mode emulated" "$work/out"
check "/dev/kvm exists in the emulated host" grep -qx kvm "$work/out"
check "stderr is separate" grep -qx err "$work/err"
check "stdout has no stderr" bash -c "! grep -q err '$work/out'"

# 2. Inputs appear at the same absolute path; outputs come back.
mkdir -p "$work/in/dir"
echo "hello" >"$work/in/file.txt"
echo "nested" >"$work/in/dir/n.txt"
rm -f "$work/result.txt"
(cd "$work" && "$run" --image-dir "$image_dir" --in in/file.txt --in "$work/in/dir" --out result.txt -- \
  sh -c 'cat in/file.txt dir/n.txt 2>/dev/null; cat "'"$work"'/in/dir/n.txt"; cat in/file.txt > result.txt; echo more >> result.txt')
status=$?
check "inputs and outputs: command succeeded" test "$status" -eq 0
check "output file came back" grep -qx more "$work/result.txt"
check "output carries input data" grep -qx hello "$work/result.txt"

# 3. Executables bring their shared libraries.
cp "$(command -v stat)" "$work/mystat"
"$run" --image-dir "$image_dir" --in "$work/mystat" -- "$work/mystat" -c %s /init >"$work/out" 2>"$work/err"
status=$?
check "a dynamic executable runs in the emulated host" test "$status" -eq 0
check "and it sees the host image's files" grep -qE '^[0-9]+$' "$work/out"
check "the host's modules still load (merged /usr kept)" bash -c "! grep -q 'no /dev/kvm' '$work/err'"

# 4. A timeout stops the run with 124 and says so.
start=$SECONDS
"$run" --image-dir "$image_dir" --timeout 15 -- sleep 600 >"$work/out" 2>"$work/err"
status=$?
check "timeout gives 124" test "$status" -eq 124
check "timeout is reported" grep -q "timed out after 15s" "$work/err"
check "timeout does not hang" test $((SECONDS - start)) -lt 60

# 4b. A host whose heartbeat stops (here: a threshold below its 10 s period)
# is stopped as frozen, with 125, well before the timeout.
start=$SECONDS
ZVMM_KVM_HOST_FROZEN=4 "$run" --image-dir "$image_dir" --timeout 300 -- sleep 200 >"$work/out" 2>"$work/err"
status=$?
check "a frozen host gives 125" test "$status" -eq 125
check "a frozen host is reported" grep -q "the emulated host froze" "$work/err"
check "a frozen host is stopped at once" test $((SECONDS - start)) -lt 100
check "the frozen host's CPU state is sampled through the monitor" grep -q "qemu: sample 3: .*RIP=" "$work/err"

# 4c. A host stopped on purpose (ZVMM_KVM_HOST_FREEZE_AT) is nudged with a key
# press after ZVMM_KVM_HOST_NUDGE seconds of silence, then stopped as frozen.
start=$SECONDS
ZVMM_KVM_HOST_FREEZE_AT=1 ZVMM_KVM_HOST_NUDGE=2 ZVMM_KVM_HOST_FROZEN=13 \
  "$run" --image-dir "$image_dir" --timeout 300 --console "$work/console" -- sleep 200 >"$work/out" 2>"$work/err"
status=$?
check "a stopped host gives 125" test "$status" -eq 125
check "a stopped host is nudged" test "$(grep -c ZVMM-HOST-NUDGE "$work/console")" -ge 1
check "a stopped host stays silent after the nudges" grep -q "no heartbeat for 1[3-9] s" "$work/console"
check "a stopped host is sampled halted or stopped" grep -q "qemu: sample 3: .*RIP=" "$work/err"

# 5. A panic of the emulated host is reported with its console.
"$run" --image-dir "$image_dir" -- sh -c 'echo c > /proc/sysrq-trigger; sleep 30' >"$work/out" 2>"$work/err"
status=$?
check "emulated host panic gives 125" test "$status" -eq 125
check "panic is reported with console lines" grep -q "stopped without reporting a status" "$work/err"

# 6. Setup commands run before the command; a failing setup is an error.
"$run" --image-dir "$image_dir" --setup "mkdir -p /setup-ran" -- test -d /setup-ran
check "setup runs first" test "$?" -eq 0
"$run" --image-dir "$image_dir" --setup "false" -- true 2>"$work/err"
check "failing setup gives 125" test "$?" -eq 125

# 7. Missing QEMU and bad usage fail at once.
PATH="/nonexistent" /bin/bash "$run" --image-dir "$image_dir" -- true 2>"$work/err"
check "missing QEMU gives 127" test "$?" -eq 127
check "missing QEMU names the package" grep -q "qemu-system-x86" "$work/err"
"$run" --bogus 2>"$work/err"
check "unknown option gives 126" test "$?" -eq 126

# 8. Direct mode runs the command here.
ZVMM_KVM_HOST=direct "$run" -- sh -c 'echo "mode $ZVMM_KVM_HOST_MODE"; exit 5' >"$work/out"
check "direct mode passes the status" test "$?" -eq 5
check "the command sees ZVMM_KVM_HOST_MODE=direct" grep -qx "mode direct" "$work/out"

echo "$passed passed, $failures failed"
[[ $failures -eq 0 ]]

#!/usr/bin/env bash
# Test of the guest-test harness itself (run_guest_test.sh): runs a guest test
# whose script fails one check on purpose (harness_example.sh), with its own
# XML_OUTPUT_FILE and undeclared outputs directory, and checks what a user
# would get: a JUnit file naming the failing check with its got/want, the
# passing checks, the console, zvmm's stderr, the disk's final zone report, the
# fio JSON and a saved file, and the command that repeats the boot. Then a run
# without QEMU (forced emulated host) must write the infrastructure-failure file.
#
# usage: harness_test.sh RUN_GUEST_TEST.SH ARG...   (the example's runner arguments)
set -euo pipefail
runner="$1"
shift
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

inner="$TEST_TMPDIR/inner"
mkdir -p "$inner/tmp" "$inner/outputs"
status=0
env XML_OUTPUT_FILE="$inner/test.xml" TEST_UNDECLARED_OUTPUTS_DIR="$inner/outputs" \
  TEST_INFRASTRUCTURE_FAILURE_FILE="$inner/infra" TEST_TMPDIR="$inner/tmp" \
  TEST_TARGET=//tests/guest:harness_example \
  "$runner" "$@" >"$inner/log" 2>&1 || status=$?
echo "--- the example's log (it fails on purpose):"
sed 's/^/  | /' "$inner/log"
echo "---"
o="$inner/outputs"
expect "the example failed (exit 1)" '[[ $status -eq 1 ]]'
expect "no infrastructure failure" '[[ ! -e $inner/infra ]]'
python3 - "$inner/test.xml" <<'PY' && ok "JUnit file" || bad "JUnit file (see above)"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suite = root.find("testsuite")
cases = {c.get("name"): c for c in suite.iter("testcase")}
print("  JUnit cases:", sorted(cases))
want_fail = {
    "deliberate failure": "got 'actual value', want 'expected value'",
    "zvmm exit status": "zvmm exited with 1, expected 0",
}
ok = True
for name, msg in want_fail.items():
    f = cases.get(name) is not None and cases[name].find("failure")
    if f is None or f is False or f.get("message") != msg:
        print(f"  missing failure {name!r} with message {msg!r}"); ok = False
for name in ["zoned model", "blkzone report", "fio-zbd", "fio-zbd errors", "module null_blk", "null_blk device"]:
    if name not in cases or cases[name].find("failure") is not None:
        print(f"  missing passing case {name!r}"); ok = False
if suite.get("name") != "//tests/guest:harness_example" or suite.get("failures") != "2":
    print("  suite attributes:", suite.attrib); ok = False
sys.exit(0 if ok else 1)
PY
expect "console.log has the failing check" "grep -q \"^FAIL: deliberate failure = 'actual value', want 'expected value'\" <(tr -d '\r' <$o/console.log)"
expect "zvmm-stderr.log exists" '[[ -f $o/zvmm-stderr.log ]]'
expect "zone report of disk 0 (zvmm-zones info + report)" \
  'grep -q "^# --disk virtio-blk,file=harness.img" $o/zones/disk-0.txt && grep -qiE "zone.*(seq|conv)" $o/zones/disk-0.txt'
expect "zone report: fio filled zone 1 (3M capacity at 4M)" 'grep -qE "^zone +1 .* full" $o/zones/disk-0.txt'
expect "fio JSON saved" "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d[\"jobs\"][0][\"write\"][\"io_kbytes\"] == 3072' $o/fio-zbd.json"
expect "save_output file intact" '[[ "$(cat $o/note.txt)" == "line one"$'"'"'\n'"'"'"line two" ]]'
expect "workload.cpio and reproduce.sh" '[[ -s $o/workload.cpio && -x $o/reproduce.sh ]]'
expect "log names the failing check" 'grep -q "FAIL: deliberate failure" $inner/log'
expect "log prints the command that repeats the boot" \
  'grep -A3 "to repeat this boot by hand" $inner/log | grep -q -- "-- .*/vmm/zvmm --kernel .*--initrd .*/tmp/zvmm-repro/workload.cpio .*--disk virtio-blk"'

# No QEMU on PATH and an emulated host forced: exit 127, an infrastructure failure.
fakebin="$TEST_TMPDIR/fakebin"
mkdir -p "$fakebin" "$inner/tmp2" "$inner/outputs2"
for d in /usr/local/bin /usr/bin /bin /usr/sbin /sbin; do
  [[ -d "$d" ]] || continue
  for f in "$d"/*; do
    n="${f##*/}"
    [[ "$n" == qemu-system-* || -e "$fakebin/$n" ]] || ln -s "$f" "$fakebin/$n"
  done
done
status=0
env PATH="$fakebin" ZVMM_KVM_HOST=emulated XML_OUTPUT_FILE="$inner/test2.xml" \
  TEST_UNDECLARED_OUTPUTS_DIR="$inner/outputs2" TEST_INFRASTRUCTURE_FAILURE_FILE="$inner/infra2" \
  TEST_TMPDIR="$inner/tmp2" "$runner" "$@" >"$inner/log2" 2>&1 || status=$?
expect "without QEMU: the test fails" '[[ $status -ne 0 ]]'
expect "without QEMU: infrastructure-failure file names QEMU" 'grep -q "qemu-system-x86_64 missing" $inner/infra2'
expect "without QEMU: JUnit has an <error>, no check cases" \
  'grep -q "<error message=\"qemu-system-x86_64 missing" $inner/test2.xml && ! grep -q "deliberate failure" $inner/test2.xml'

# An emulated host that freezes (here every attempt: its CPU stopped through
# QEMU's monitor after 1 s, ZVMM_KVM_HOST_FREEZE_AT) is run twice more, then
# reported as an infrastructure failure, not as a failing test.
mkdir -p "$inner/tmp3" "$inner/outputs3"
status=0
env ZVMM_KVM_HOST_FREEZE_AT=1 ZVMM_KVM_HOST_FROZEN=4 XML_OUTPUT_FILE="$inner/test3.xml" TEST_TIMEOUT=400 \
  TEST_UNDECLARED_OUTPUTS_DIR="$inner/outputs3" TEST_INFRASTRUCTURE_FAILURE_FILE="$inner/infra3" \
  TEST_TMPDIR="$inner/tmp3" "$runner" "$@" >"$inner/log3" 2>&1 || status=$?
expect "frozen host: the test fails" '[[ $status -ne 0 ]]'
expect "frozen host: run again, twice" '[[ $(grep -c "froze (no heartbeat: not zvmm" $inner/log3) -eq 2 ]]'
expect "frozen host: three attempts' host consoles kept" \
  '[[ $(grep -c "ZVMM-HOST-FROZEN" $inner/outputs3/kvm-host-console.log.frozen) -eq 2 && $(grep -c "ZVMM-HOST-FROZEN" $inner/outputs3/kvm-host-console.log) -eq 1 ]]'
expect "frozen host: infrastructure-failure file says it froze" 'grep -q "the emulated KVM host froze" $inner/infra3'
[[ $fails -eq 0 ]] || { echo "$fails harness check(s) failed"; sed 's/^/  log2 | /' "$inner/log2"; sed 's/^/  log3 | /' "$inner/log3"; exit 1; }
echo "harness test passed"

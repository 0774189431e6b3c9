#!/usr/bin/env bash
# End-to-end runs of the zvmm binary on this host's /dev/kvm with tiny guests:
# synthetic bzImages whose "kernel" is a few instructions at the 64-bit entry
# point, started exactly like Linux (boot_params, page tables, long mode).
# Checks the console, the exit-status and boot-marker ports, i8042 reset and
# panic detection, and SIGTERM/SIGINT handling. Skipped without /dev/kvm.
# ZVMM_ALLOW_PVM=1: tiny guests run fine on a PVM-backed /dev/kvm.
#
# usage: zvmm_tiny_guest_test.sh ZVMM MAKE_TEST_BZIMAGE
set -uo pipefail
zvmm="$1" make_bzimage="$2"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
export ZVMM_ALLOW_PVM=1
if [[ ! -r /dev/kvm || ! -w /dev/kvm ]]; then
  echo "skip: no accessible /dev/kvm"
  exit 0
fi
failures=0
fail() { printf 'FAIL: %s\n' "$*" >&2; failures=$((failures + 1)); }
ok() { printf 'ok: %s\n' "$*"; }

for code in hello-exit mmio-exit read-exit spin reboot panic-reboot exit-tail exit-tail-reboot exit-flood; do
  "$make_bzimage" "$tmp/$code" --code "$code" || exit 1
done

# Console on stdout, boot marker, exit status 42.
out="$("$zvmm" --kernel "$tmp/hello-exit" --memory 64M --boot-time 2>"$tmp/err")"
status=$?
[[ "$status" -eq 42 ]] && ok "exit status 42" || fail "hello-exit: status $status, want 42; stderr: $(cat "$tmp/err")"
[[ "$out" == "ok" ]] && ok "console output" || fail "hello-exit: stdout '$out', want 'ok'"
grep -qE '^zvmm: guest userspace reached in [0-9]+ ms$' "$tmp/err" && ok "boot marker" ||
  fail "no boot-time line in stderr: $(cat "$tmp/err")"

# Disks are attached (virtio-blk PCI functions) and torn down cleanly even when
# the guest never drives them: the transports go before the KVM objects they use.
out="$("$zvmm" --kernel "$tmp/hello-exit" --memory 64M \
  --disk "virtio-blk,file=$tmp/z.img,size=64M,zone-size=4M,queues=2" \
  --disk "virtio-blk,file=$tmp/plain.img,zoned=none,size=16M" 2>"$tmp/err")"
status=$?
[[ "$status" -eq 42 && -s "$tmp/z.img" && -e "$tmp/plain.img" ]] && ok "two disks attached, clean exit" ||
  fail "with disks: status $status, want 42; stderr: $(cat "$tmp/err")"

# --console none and file:PATH.
out="$("$zvmm" --kernel "$tmp/hello-exit" --memory 64M --console none 2>/dev/null)"
[[ $? -eq 42 && -z "$out" ]] && ok "--console none" || fail "--console none: stdout '$out'"
"$zvmm" --kernel "$tmp/hello-exit" --memory 64M --console "file:$tmp/console.log" >/dev/null 2>&1
[[ "$(cat "$tmp/console.log" 2>/dev/null)" == "ok" ]] && ok "--console file:" || fail "--console file: got '$(cat "$tmp/console.log" 2>/dev/null)'"

# The MMIO status page mirrors the exit-status port.
"$zvmm" --kernel "$tmp/mmio-exit" --memory 64M >/dev/null 2>"$tmp/err"
status=$?
[[ "$status" -eq 43 ]] && ok "MMIO status page exit 43" || fail "mmio-exit: status $status, stderr: $(cat "$tmp/err")"

# A pipe on stdin feeds COM1: the guest exits with the byte it read ('A' = 65).
printf 'A' | "$zvmm" --kernel "$tmp/read-exit" --memory 64M >/dev/null 2>"$tmp/err"
status=$?
[[ "$status" -eq 65 ]] && ok "stdin pipe reaches the guest" || fail "read-exit: status $status, stderr: $(cat "$tmp/err")"

# i8042 reset: a reboot exits 0 quietly; after a panic (warm reset flag) 7.
"$zvmm" --kernel "$tmp/reboot" --memory 64M >/dev/null 2>"$tmp/err"
status=$?
[[ "$status" -eq 0 && ! -s "$tmp/err" ]] && ok "reboot exits 0" || fail "reboot: status $status, stderr: $(cat "$tmp/err")"
"$zvmm" --kernel "$tmp/panic-reboot" --memory 64M >/dev/null 2>"$tmp/err"
status=$?
[[ "$status" -eq 7 ]] && grep -q '^zvmm: guest kernel panicked$' "$tmp/err" && ok "panic exits 7" ||
  fail "panic-reboot: status $status, stderr: $(cat "$tmp/err")"

# The console drain after an exit status (vmm/console_drain.h): zvmm keeps the
# vCPUs running until the UART has been quiet for 200 ms, so output the guest
# sends after the status still arrives; a later reset ends the wait at once and
# keeps the status; a guest that never stops printing is cut off once it has sent
# more than 8 KiB after the status (plus what it sends until the next 10 ms poll).
start=$(date +%s%N)
out="$("$zvmm" --kernel "$tmp/exit-tail" --memory 64M --boot-time 2>"$tmp/err")"
status=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[[ "$status" -eq 42 && "$out" == "tail" ]] &&
  grep -qE '^zvmm: console drained [0-9]+ ms after the exit status \(5 bytes, quiet; 5 bytes in all\)$' "$tmp/err" &&
  ok "output after the exit status arrives (${ms} ms in all)" ||
  fail "exit-tail: status $status, stdout '$out', stderr: $(cat "$tmp/err")"
out="$("$zvmm" --kernel "$tmp/exit-tail-reboot" --memory 64M 2>"$tmp/err")"
status=$?
[[ "$status" -eq 42 && "$out" == "tail" && ! -s "$tmp/err" ]] && ok "a reset after the exit status keeps the status" ||
  fail "exit-tail-reboot: status $status, stdout '$out', stderr: $(cat "$tmp/err")"
"$zvmm" --kernel "$tmp/exit-flood" --memory 64M >"$tmp/flood" 2>"$tmp/err"
status=$?
bytes=$(wc -c <"$tmp/flood")
[[ "$status" -eq 7 && "$bytes" -gt 8192 && "$bytes" -lt 65536 ]] &&
  grep -q "^zvmm: the guest's console was still sending .* (byte budget reached)" "$tmp/err" &&
  ok "a guest printing forever is stopped after the byte budget ($bytes bytes)" ||
  fail "exit-flood: status $status, $bytes bytes, stderr: $(cat "$tmp/err")"

# Signals stop a spinning guest (2 vCPUs: the second waits for SIPI) cleanly.
for sig in TERM INT; do
  "$zvmm" --kernel "$tmp/spin" --memory 64M --cpus 2 >/dev/null 2>"$tmp/err" &
  pid=$!
  sleep 0.5
  kill -s "$sig" "$pid"
  wait "$pid"
  status=$?
  want=$([[ "$sig" == TERM ]] && echo 143 || echo 130)
  [[ "$status" -eq "$want" ]] && grep -q "^zvmm: stopped by SIG$sig$" "$tmp/err" && ok "SIG$sig exits $want" ||
    fail "SIG$sig: status $status, stderr: $(cat "$tmp/err")"
done

if [[ "$failures" -gt 0 ]]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all checks passed"

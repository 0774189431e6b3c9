#!/usr/bin/env bash
# Runner behind zvmm_host_test (tests/defs.bzl): runs a host-side script inside
# the emulated KVM host (or here, when this host's KVM boots Linux). The script
# may boot the guest several times, each time with one of the guest scripts as
# its workload, and inspect disk images with zvmm-zones in between.
#
# usage: run_host_test.sh --zvmm P --zvmm-zones P [--zvmm-ctl P] --kernel P --initramfs P
#          --make-workload P --kvm-host P --host-image VMLINUX [--host-kernel SERIES]
#          --results P --host-lib P --host-script P [--guest-script P]... [--file P]...
#          [--program P]... [--module P]... [--setup CMD]... [--timeout SEC]
#
# The host script starts with `source "$ZVMM_HOST_LIB"` (tests/guest/host_lib.sh),
# which defines boot_guest; the environment carries ZVMM_BIN, ZVMM_ZONES_BIN,
# ZVMM_CTL_BIN (with --zvmm-ctl: the control socket's client),
# ZVMM_GUEST_KERNEL, ZVMM_GUEST_INITRD and ZVMM_WORKLOADS (one NAME.cpio per
# guest script NAME.sh; --file P is packed into each as /work/NAME). It runs
# in a fresh, empty directory and passes when it exits 0.
#
# Results as for zvmm_guest_test (run_guest_test.sh): a JUnit case per guest
# check and host check (hcheck) plus "host script exit status" in
# $XML_OUTPUT_FILE, the log (host-script.log) and the emulated host's console in
# $TEST_UNDECLARED_OUTPUTS_DIR, $TEST_INFRASTRUCTURE_FAILURE_FILE when no host ran.
set -uo pipefail

zvmm="" zones="" ctl="" kernel="" initramfs="" make_workload="" kvm_host="" host_image="" host_lib=""
host_script="" timeout="" host_kernel=6.12 results="" guests=() files=() setup=() wl_opts=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --zvmm) zvmm="$2"; shift 2 ;;
    --zvmm-zones) zones="$2"; shift 2 ;;
    --zvmm-ctl) ctl="$2"; shift 2 ;;
    --kernel) kernel="$2"; shift 2 ;;
    --initramfs) initramfs="$2"; shift 2 ;;
    --make-workload) make_workload="$2"; shift 2 ;;
    --kvm-host) kvm_host="$2"; shift 2 ;;
    --host-image) host_image="$2"; shift 2 ;;
    --host-kernel) host_kernel="$2"; shift 2 ;;
    --results) results="$2"; shift 2 ;;
    --program | --module) wl_opts+=("$1" "$2"); shift 2 ;;
    --host-lib) host_lib="$2"; shift 2 ;;
    --host-script) host_script="$2"; shift 2 ;;
    --guest-script) guests+=("$2"); shift 2 ;;
    --file) files+=("$2"); shift 2 ;;
    --setup) setup+=(--setup "$2"); shift 2 ;;
    --timeout) timeout="$2"; shift 2 ;;
    *) echo "run_host_test: unknown argument $1" >&2; exit 2 ;;
  esac
done
for f in "$zvmm" "$zones" "$kernel" "$initramfs" "$make_workload" "$kvm_host" "$host_image" \
         "$host_lib" "$host_script" "$results" "${guests[@]}"; do
  [[ -e "$f" ]] || { echo "run_host_test: missing input '$f'" >&2; exit 2; }
done
# shellcheck source=tests/guest/results.sh
source "$results"
start=$SECONDS
if [[ -z "$timeout" ]]; then
  timeout=600
  [[ "${TEST_TIMEOUT:-}" =~ ^[0-9]+$ ]] && timeout=$((TEST_TIMEOUT > 70 ? TEST_TIMEOUT - 10 : 60))
fi

abs() { realpath -s -m -- "$1"; }
kvm_host="$(abs "$kvm_host")" host_image="$(abs "$host_image")" host_script="$(abs "$host_script")"
make_workload="$(abs "$make_workload")"
tmp="$(abs "${TEST_TMPDIR:-$(mktemp -d)}")"
workloads="$tmp/workloads"
mkdir -p "$workloads" "$tmp/run" || exit 1
inputs=(--in "$(abs "$zvmm")" --in "$(abs "$zones")" --in "$(abs "$kernel")" --in "$(abs "$initramfs")"
        --in "$(abs "$host_lib")" --in "$(abs "$host_script")" --in "$workloads")
if [[ -n "$ctl" ]]; then
  [[ -e "$ctl" ]] || { echo "run_host_test: missing input '$ctl'" >&2; exit 2; }
  inputs+=(--in "$(abs "$ctl")")
  export ZVMM_CTL_BIN="$(abs "$ctl")"
fi
for g in "${guests[@]}"; do
  name="$(basename "$g" .sh)"
  "$make_workload" "${wl_opts[@]}" "$workloads/$name.cpio" "$g" "${files[@]}" || exit 1
done

export ZVMM_BIN="$(abs "$zvmm")" ZVMM_ZONES_BIN="$(abs "$zones")"
export ZVMM_GUEST_KERNEL="$(abs "$kernel")" ZVMM_GUEST_INITRD="$(abs "$initramfs")"
export ZVMM_WORKLOADS="$workloads" ZVMM_HOST_LIB="$(abs "$host_lib")"
outdir="${TEST_UNDECLARED_OUTPUTS_DIR:-$tmp/outputs}"
mkdir -p "$outdir" || exit 1
log="$outdir/host-script.log"
cd "$tmp/run" || exit 1
echo "run_host_test: $(basename "$host_script") with ${#guests[@]} guest script(s)"
cmd=("$kvm_host" --image-dir "$(dirname "$host_image")" --kernel "$host_kernel" --timeout "$timeout"
  --console "$outdir/kvm-host-console.log" "${inputs[@]}" "${setup[@]}" -- /bin/bash "$(abs "$host_script")")
attempt() { "${cmd[@]}" </dev/null 2>&1 | tee "$log"; return "${PIPESTATUS[0]}"; }
results_run_retrying attempt "$outdir/kvm-host-console.log" $((SECONDS + timeout)) cmd
status=$?
cd "$tmp" || exit 1

results_parse_checks "$log"
ok=0
if reason="$(results_infrastructure "$status" "$log" "$outdir/kvm-host-console.log")"; then
  echo "run_host_test: INFRASTRUCTURE FAILURE: $reason" >&2
  [[ -n "${TEST_INFRASTRUCTURE_FAILURE_FILE:-}" ]] && echo "$reason" >"$TEST_INFRASTRUCTURE_FAILURE_FILE"
  results_add error "boot" "$reason" "$(results_tail "$log" 30)"
elif [[ "$status" -eq 0 ]]; then
  ok=1
  results_add pass "host script exit status"
else
  results_add fail "host script exit status" "host script exited with $status" "$(results_tail "$log" 30)"
fi
[[ -n "${XML_OUTPUT_FILE:-}" ]] && results_write_junit "$XML_OUTPUT_FILE" "${TEST_TARGET:-$(basename "$host_script")}" "$((SECONDS - start))"
if [[ "$ok" -eq 1 ]]; then
  echo "run_host_test: PASS"
  exit 0
fi
echo "run_host_test: FAIL: host script exited with $status (log and host console in ${TEST_UNDECLARED_OUTPUTS_DIR:+outputs.zip under bazel-testlogs; here }$outdir)" >&2
echo "run_host_test: to repeat it by hand: $(printf '%q ' env ZVMM_BIN="$ZVMM_BIN" ZVMM_ZONES_BIN="$ZVMM_ZONES_BIN" ZVMM_GUEST_KERNEL="$ZVMM_GUEST_KERNEL" ZVMM_GUEST_INITRD="$ZVMM_GUEST_INITRD" ZVMM_WORKLOADS="$ZVMM_WORKLOADS" ZVMM_HOST_LIB="$ZVMM_HOST_LIB" ${ZVMM_CTL_BIN:+ZVMM_CTL_BIN="$ZVMM_CTL_BIN"} "${cmd[@]}")" >&2
exit "$status"

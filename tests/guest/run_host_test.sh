#!/usr/bin/env bash
# Runner behind zvmm_host_test (tests/defs.bzl): runs a host-side script inside
# the emulated KVM host (or here, when this host's KVM boots Linux). The script
# may boot the guest several times, each time with one of the guest scripts as
# its workload, and inspect disk images with zvmm-zones in between.
#
# usage: run_host_test.sh --zvmm P --zvmm-zones P [--zvmm-ctl P] --kernel P --initramfs P
#          --make-workload P --kvm-host P --host-image VMLINUX --host-lib P
#          --host-script P [--guest-script P]... [--file P]... [--setup CMD]...
#          [--timeout SEC]
#
# The host script starts with `source "$ZVMM_HOST_LIB"` (tests/guest/host_lib.sh),
# which defines boot_guest; the environment carries ZVMM_BIN, ZVMM_ZONES_BIN,
# ZVMM_CTL_BIN (with --zvmm-ctl: the control socket's client),
# ZVMM_GUEST_KERNEL, ZVMM_GUEST_INITRD and ZVMM_WORKLOADS (one NAME.cpio per
# guest script NAME.sh; --file P is packed into each as /work/NAME). It runs
# in a fresh, empty directory and passes when it exits 0.
set -uo pipefail

zvmm="" zones="" ctl="" kernel="" initramfs="" make_workload="" kvm_host="" host_image="" host_lib=""
host_script="" timeout=600 guests=() files=() setup=()
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
         "$host_lib" "$host_script" "${guests[@]}"; do
  [[ -e "$f" ]] || { echo "run_host_test: missing input '$f'" >&2; exit 2; }
done

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
  "$make_workload" "$workloads/$name.cpio" "$g" "${files[@]}" || exit 1
done

export ZVMM_BIN="$(abs "$zvmm")" ZVMM_ZONES_BIN="$(abs "$zones")"
export ZVMM_GUEST_KERNEL="$(abs "$kernel")" ZVMM_GUEST_INITRD="$(abs "$initramfs")"
export ZVMM_WORKLOADS="$workloads" ZVMM_HOST_LIB="$(abs "$host_lib")"
cd "$tmp/run" || exit 1
echo "run_host_test: $(basename "$host_script") with ${#guests[@]} guest script(s)"
"$kvm_host" --image-dir "$(dirname "$host_image")" --timeout "$timeout" "${inputs[@]}" "${setup[@]}" \
  -- /bin/bash "$(abs "$host_script")" </dev/null 2>&1
status=$?
if [[ "$status" -eq 0 ]]; then
  echo "run_host_test: PASS"
else
  echo "run_host_test: FAIL: host script exited with $status" >&2
fi
exit "$status"

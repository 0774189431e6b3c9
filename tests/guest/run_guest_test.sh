#!/usr/bin/env bash
# Runner behind zvmm_guest_test (tests/defs.bzl): packs the workload script,
# boots the guest with zvmm through tests/kvm-host/run and checks zvmm's exit
# status (and optionally its output).
#
# usage: run_guest_test.sh --zvmm P --kernel P --initramfs P --make-workload P
#          --kvm-host P --host-image VMLINUX --script P [--cpus N] [--memory SIZE]
#          [--disk SPEC]... [--file P]... [--expect-status N] [--expect-output REGEX]
#          [-- ZVMM_ARG...]
#
# zvmm runs in a fresh directory (inside the emulated host when there is one),
# so a relative `file=IMG` in a --disk spec is an image created for this run.
# --file P is packed into the workload as /work/NAME.
set -uo pipefail

zvmm="" kernel="" initramfs="" make_workload="" kvm_host="" host_image="" script="" cpus=1 memory=512M
expect_status=0 expect_output="" disks=() files=() extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --zvmm) zvmm="$2"; shift 2 ;;
    --kernel) kernel="$2"; shift 2 ;;
    --initramfs) initramfs="$2"; shift 2 ;;
    --make-workload) make_workload="$2"; shift 2 ;;
    --kvm-host) kvm_host="$2"; shift 2 ;;
    --host-image) host_image="$2"; shift 2 ;;
    --script) script="$2"; shift 2 ;;
    --cpus) cpus="$2"; shift 2 ;;
    --memory) memory="$2"; shift 2 ;;
    --disk) disks+=("$2"); shift 2 ;;
    --file) files+=("$2"); shift 2 ;;
    --expect-status) expect_status="$2"; shift 2 ;;
    --expect-output) expect_output="$2"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "run_guest_test: unknown argument $1" >&2; exit 2 ;;
  esac
done
for f in "$zvmm" "$kernel" "$initramfs" "$make_workload" "$kvm_host" "$host_image" "$script"; do
  [[ -e "$f" ]] || { echo "run_guest_test: missing input '$f'" >&2; exit 2; }
done

# Absolute paths: zvmm runs in its own directory.
for v in zvmm kernel initramfs make_workload kvm_host host_image script; do
  printf -v "$v" '%s' "$(realpath -s -m -- "${!v}")"
done
for i in "${!files[@]}"; do files[$i]="$(realpath -s -m -- "${files[$i]}")"; done

# The emulated KVM host image Bazel built (vmlinux + initramfs.cpio).
host_image_dir="$(dirname "$host_image")"

tmp="${TEST_TMPDIR:-$(mktemp -d)}"
workload="$tmp/workload.cpio"
"$make_workload" "$workload" "$script" "${files[@]}" || exit 1

abs() { realpath -s -m -- "$1"; }
inputs=(--in "$(abs "$zvmm")" --in "$(abs "$kernel")" --in "$(abs "$initramfs")" --in "$workload")
disk_args=()
for d in "${disks[@]}"; do
  disk_args+=(--disk "$d")
  if [[ "$d" =~ (^|,)path=([^,]+) ]]; then inputs+=(--in "${BASH_REMATCH[2]}"); fi
done

log="$tmp/zvmm.log"
rundir="$tmp/run"
mkdir -p "$rundir" && cd "$rundir" || exit 1
echo "run_guest_test: zvmm --cpus $cpus --memory $memory ${disk_args[*]} ${extra[*]}"
"$kvm_host" --image-dir "$host_image_dir" "${inputs[@]}" -- "$(abs "$zvmm")" \
  --kernel "$(abs "$kernel")" --initrd "$(abs "$initramfs"),$workload" \
  --cpus "$cpus" --memory "$memory" --console stdio "${disk_args[@]}" "${extra[@]}" \
  </dev/null 2>&1 | tee "$log"
status="${PIPESTATUS[0]}"

ok=1
if [[ "$status" -ne "$expect_status" ]]; then
  echo "run_guest_test: FAIL: zvmm exited with $status, expected $expect_status" >&2
  ok=0
fi
if [[ -n "$expect_output" ]] && ! grep -aqE -- "$expect_output" "$log"; then
  echo "run_guest_test: FAIL: output does not match /$expect_output/" >&2
  ok=0
fi
[[ "$ok" -eq 1 ]] && echo "run_guest_test: PASS (exit status $status)"
[[ "$ok" -eq 1 ]]

#!/usr/bin/env bash
# Runner behind zvmm_guest_test (tests/defs.bzl): packs the workload script,
# boots the guest with zvmm through tests/kvm-host/run and checks zvmm's exit
# status (and optionally its output).
#
# usage: run_guest_test.sh --zvmm P --zvmm-zones P --kernel P --initramfs P
#          --make-workload P --kvm-host P --host-image VMLINUX --host-kernel SERIES
#          --guest-boot P --results P --script P [--cpus N] [--memory SIZE]
#          [--disk SPEC]... [--file P]... [--program P]... [--module P]...
#          [--setup CMD]... [--expect-status N] [--expect-output REGEX]
#          [-- ZVMM_ARG...]
#
# zvmm runs in a fresh directory (inside the emulated host when there is one),
# so a relative `file=IMG` in a --disk spec is an image created for this run.
# --file P is packed into the workload as /work/NAME, --program P as
# /work/bin/NAME with its shared libraries, --module P is insmod'ed first.
#
# Results (when Bazel sets the variables): $XML_OUTPUT_FILE, one JUnit test case
# per check of tests/guest/lib.sh plus "zvmm exit status" (and "output matches");
# $TEST_UNDECLARED_OUTPUTS_DIR: console.log (the guest console, zvmm's stdout),
# zvmm-stderr.log, zones/disk-N.txt (each disk's final zone report), the files
# the guest sent with save_output (fio JSON), kvm-host-console.log (emulated
# host), workload.cpio and reproduce.sh; $TEST_INFRASTRUCTURE_FAILURE_FILE when
# no guest could run (exit 3, 4, 125, 127 without a guest status).
set -uo pipefail

zvmm="" zones="" kernel="" initramfs="" make_workload="" kvm_host="" host_image="" host_kernel=6.12
guest_boot="" results="" script="" cpus=1 memory=512M expect_status=0 expect_output=""
disks=() files=() programs=() modules=() setups=() extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --zvmm) zvmm="$2"; shift 2 ;;
    --zvmm-zones) zones="$2"; shift 2 ;;
    --kernel) kernel="$2"; shift 2 ;;
    --initramfs) initramfs="$2"; shift 2 ;;
    --make-workload) make_workload="$2"; shift 2 ;;
    --kvm-host) kvm_host="$2"; shift 2 ;;
    --host-image) host_image="$2"; shift 2 ;;
    --host-kernel) host_kernel="$2"; shift 2 ;;
    --guest-boot) guest_boot="$2"; shift 2 ;;
    --results) results="$2"; shift 2 ;;
    --script) script="$2"; shift 2 ;;
    --cpus) cpus="$2"; shift 2 ;;
    --memory) memory="$2"; shift 2 ;;
    --disk) disks+=("$2"); shift 2 ;;
    --file) files+=("$2"); shift 2 ;;
    --program) programs+=("$2"); shift 2 ;;
    --module) modules+=("$2"); shift 2 ;;
    --setup) setups+=("$2"); shift 2 ;;
    --expect-status) expect_status="$2"; shift 2 ;;
    --expect-output) expect_output="$2"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "run_guest_test: unknown argument $1" >&2; exit 2 ;;
  esac
done
for f in "$zvmm" "$zones" "$kernel" "$initramfs" "$make_workload" "$kvm_host" "$host_image" \
         "$guest_boot" "$results" "$script" "${files[@]}" "${programs[@]}" "${modules[@]}"; do
  [[ -e "$f" ]] || { echo "run_guest_test: missing input '$f'" >&2; exit 2; }
done
# shellcheck source=tests/guest/results.sh
source "$results"
start=$SECONDS

# Absolute paths without resolving symlinks (runfiles): zvmm runs in its own
# directory, and kvm-host/run finds its helpers next to itself.
abs() { realpath -s -m -- "$1"; }
for v in zvmm zones kernel initramfs make_workload kvm_host host_image guest_boot script; do
  printf -v "$v" '%s' "$(abs "${!v}")"
done

tmp="$(abs "${TEST_TMPDIR:-$(mktemp -d)}")"
outdir="${TEST_UNDECLARED_OUTPUTS_DIR:-$tmp/outputs}"
mkdir -p "$outdir" "$tmp/run" || exit 1
outdir="$(abs "$outdir")"
workload="$tmp/workload.cpio"
wl_opts=()
for p in "${programs[@]}"; do wl_opts+=(--program "$p"); done
for m in "${modules[@]}"; do wl_opts+=(--module "$m"); done
"$make_workload" "${wl_opts[@]}" "$workload" "$script" "${files[@]}" || exit 1
cp "$workload" "$outdir/workload.cpio"

# The harness' own timeout: 10 s inside Bazel's, so that a hang ends with the
# harness' report (the console's last lines) rather than Bazel's kill.
harness_timeout=600
[[ "${TEST_TIMEOUT:-}" =~ ^[0-9]+$ ]] && harness_timeout=$((TEST_TIMEOUT > 70 ? TEST_TIMEOUT - 10 : 60))

inputs=(--in "$zvmm" --in "$zones" --in "$kernel" --in "$initramfs" --in "$workload" --in "$guest_boot")
for d in "${disks[@]}"; do
  if [[ "$d" =~ (^|,)file=(/[^,]+) && -e "${BASH_REMATCH[2]}" ]]; then inputs+=(--in "${BASH_REMATCH[2]}"); fi
done
harness_opts=(--image-dir "$(dirname "$host_image")" --kernel "$host_kernel" --timeout "$harness_timeout"
  --console "$outdir/kvm-host-console.log" --out "$outdir/zones")
for s in "${setups[@]}"; do harness_opts+=(--setup "$s"); done
zvmm_cmd=("$zvmm" --kernel "$kernel" --initrd "$initramfs,$workload" --cpus "$cpus" --memory "$memory"
  --console stdio)
for d in "${disks[@]}"; do zvmm_cmd+=(--disk "$d"); done
zvmm_cmd+=("${extra[@]}")
cmd=("$kvm_host" "${harness_opts[@]}" "${inputs[@]}" -- "$guest_boot" "$outdir/zones" "$zones" -- "${zvmm_cmd[@]}")
# The same boot for a person: no zone reports, console on the terminal; paths
# resolved out of Bazel's sandbox (which goes away after the test) into the
# output base.
real() { realpath -e -- "$1" 2>/dev/null || printf '%s\n' "$1"; }
r_zvmm="$(real "$zvmm")" r_kernel="$(real "$kernel")" r_initramfs="$(real "$initramfs")"
hand_cmd=("$(real "$kvm_host")" --image-dir "$(dirname "$(real "$host_image")")" --kernel "$host_kernel")
for s in "${setups[@]}"; do hand_cmd+=(--setup "$s"); done
hand_cmd+=(--in "$r_zvmm" --in "$r_kernel" --in "$r_initramfs" --in "$workload")
for d in "${disks[@]}"; do
  if [[ "$d" =~ (^|,)file=(/[^,]+) && -e "${BASH_REMATCH[2]}" ]]; then hand_cmd+=(--in "${BASH_REMATCH[2]}"); fi
done
hand_cmd+=(-- "$r_zvmm" --kernel "$r_kernel" --initrd "$r_initramfs,$workload" "${zvmm_cmd[@]:5}")

console="$outdir/console.log" stderr_log="$outdir/zvmm-stderr.log"
echo "run_guest_test: zvmm --cpus $cpus --memory $memory ${disks[*]/#/--disk } ${extra[*]}"
cd "$tmp/run" || exit 1
exec 3> >(tee "$stderr_log" >&2)
stderr_tee=$!
attempt() { "${cmd[@]}" 2>&3 | tee "$console"; return "${PIPESTATUS[0]}"; }
results_run_retrying attempt "$outdir/kvm-host-console.log" $((SECONDS + harness_timeout)) cmd
status=$?
exec 3>&-
wait "$stderr_tee"
cd "$tmp" || exit 1

# --- results ------------------------------------------------------------------------
ok=1
saved="$(results_extract_files "$console" "$outdir")"
results_parse_checks "$console"
if reason="$(results_infrastructure "$status" "$console" "$outdir/kvm-host-console.log")"; then
  ok=0
  echo "run_guest_test: INFRASTRUCTURE FAILURE: $reason" >&2
  [[ -n "${TEST_INFRASTRUCTURE_FAILURE_FILE:-}" ]] && echo "$reason" >"$TEST_INFRASTRUCTURE_FAILURE_FILE"
  results_add error "boot" "$reason" "$(results_tail "$stderr_log" 30)"
elif [[ "$status" -ne "$expect_status" ]]; then
  ok=0
  echo "run_guest_test: FAIL: zvmm exited with $status, expected $expect_status" >&2
  results_add fail "zvmm exit status" "zvmm exited with $status, expected $expect_status" \
    "$(results_tail "$stderr_log" 10)\n--- console:\n$(results_tail "$console" 30)"
else
  results_add pass "zvmm exit status"
fi
if [[ -n "$expect_output" ]]; then
  if cat "$console" "$stderr_log" | grep -aqE -- "$expect_output"; then
    results_add pass "output matches /$expect_output/"
  else
    ok=0
    echo "run_guest_test: FAIL: output does not match /$expect_output/" >&2
    results_add fail "output matches /$expect_output/" "neither the console nor zvmm's stderr matches"
  fi
fi
[[ -n "${XML_OUTPUT_FILE:-}" ]] && results_write_junit "$XML_OUTPUT_FILE" "${TEST_TARGET:-$(basename "$script")}" "$((SECONDS - start))"

# A script that repeats this boot by hand, from the test's undeclared outputs.
{
  echo "#!/usr/bin/env bash"
  echo "# Repeats the boot of ${TEST_TARGET:-this test} by hand (needs the build's runfiles)."
  echo "# Unpack the test's outputs.zip, then run this script from anywhere."
  echo "set -euo pipefail"
  echo 'here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"'
  echo 'cd "$(mktemp -d)"'
  printf '%q ' "${hand_cmd[@]}" | sed "s|$(printf '%q' "$workload")|\"\$here/workload.cpio\"|g"
  echo
} >"$outdir/reproduce.sh"
chmod +x "$outdir/reproduce.sh"

if [[ "$ok" -eq 1 ]]; then
  echo "run_guest_test: PASS (exit status $status, $((SECONDS - start)) s)"
  exit 0
fi
[[ -n "$saved" ]] && echo "run_guest_test: files from the guest: $(echo "$saved" | tr '\n' ' ')" >&2
{
  echo "run_guest_test: outputs (console, zvmm stderr, zone reports) in ${TEST_UNDECLARED_OUTPUTS_DIR:+outputs.zip under bazel-testlogs; here }$outdir"
  if [[ -n "${TEST_TARGET:-}" ]]; then
    # The sandbox and $TEST_TMPDIR are gone after the test: the workload comes
    # back from outputs.zip.
    pkg="${TEST_TARGET#*//}"
    zip="bazel-testlogs/${pkg%%:*}/${pkg#*:}/test.outputs/outputs.zip"
    echo "run_guest_test: to repeat this boot by hand (from the workspace):"
    echo "  unzip -o -d /tmp/zvmm-repro $zip && bash /tmp/zvmm-repro/reproduce.sh"
    echo "run_guest_test: which runs, in an empty directory:"
    printf '  '; printf '%q ' "${hand_cmd[@]}" | sed "s|$(printf '%q' "$workload")|/tmp/zvmm-repro/workload.cpio|g"; echo
  else
    echo "run_guest_test: to repeat this boot by hand (in an empty directory):"
    printf '  '; printf '%q ' "${hand_cmd[@]}"; echo
  fi
} >&2
exit 1

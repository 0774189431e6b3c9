#!/usr/bin/env bash
# make fuzz: builds every zvmm_fuzz_test with --config=fuzz and runs each as a
# libFuzzer fuzzer for FUZZ_SECONDS (default 60). Per target it prints
# libFuzzer's final coverage line (cov/ft/corp) and its executions per second.
# A crash (or sanitizer report, leak, timeout, OOM) saves the input under
# fuzz-crashes/<target>/, prints the stack and makes the run fail after the
# remaining targets ran.
#   FUZZ_SECONDS=600 make fuzz            FUZZ_TARGETS="//vmm:cli_fuzz" make fuzz
#   FUZZ_BAZEL="bazel --output_base=/x"   (a separate output base avoids
#                                           rebuilding the g++ objects after)
set -uo pipefail
cd "$(dirname "$0")/../.."
BAZEL=${FUZZ_BAZEL:-bazel}
SECONDS_EACH=${FUZZ_SECONDS:-60}
# The tracked top-level packages, not //...: with FUZZ_BAZEL's own output base,
# the bazel-* symlinks of the default one would be descended into.
roots=$(git ls-files '*/BUILD.bazel' '*/BUILD' | cut -d/ -f1 | sort -u | while read -r d; do printf '//%s/... + ' "$d"; done)
targets=${FUZZ_TARGETS:-$($BAZEL query "attr(tags, '\bfuzz\b', tests(${roots% + }))" 2>/dev/null)}
[[ -n "$targets" ]] || { echo "fuzz: no targets" >&2; exit 1; }
$BAZEL build --config=fuzz $targets || exit 1
bin=$($BAZEL info --config=fuzz bazel-bin 2>/dev/null)
mkdir -p fuzz-crashes fuzz-work
# The targets' image files (zoned::testing::temp_path) on tmpfs: several times
# more executions per second than on disk.
if [[ -z "${TEST_TMPDIR:-}" ]]; then
  TEST_TMPDIR=$(mktemp -d "$([[ -d /dev/shm ]] && echo /dev/shm || echo /tmp)/zvmm-fuzz.XXXXXX")
  export TEST_TMPDIR
  trap 'rm -rf "$TEST_TMPDIR"' EXIT
fi
failed=()
summary=()
for t in $targets; do
  pkg=${t#//}; pkg=${pkg%%:*}; name=${t##*:}
  work=fuzz-work/$name; crashes=fuzz-crashes/$name
  mkdir -p "$work" "$crashes"
  dict=()
  d=$($BAZEL query --output=build "$t" 2>/dev/null | grep -o 'fuzz_dict:[^"]*' | head -1)
  [[ -n "$d" ]] && dict=(-dict="$pkg/${d#fuzz_dict:}")
  log=fuzz-work/$name.log
  echo "=== $t: ${SECONDS_EACH}s"
  # The first corpus directory receives new inputs; the seeds stay untouched.
  "$bin/$pkg/$name" -max_total_time="$SECONDS_EACH" -print_final_stats=1 -timeout=25 \
    -rss_limit_mb=4096 -artifact_prefix="$crashes/" "${dict[@]}" \
    "$work" "$pkg/fuzz/$name" >"$log" 2>&1
  rc=$?
  cov=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [^ ]+' || true)
  eps=$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')
  if [[ $rc -ne 0 ]]; then
    failed+=("$t")
    echo "--- $t FAILED (exit $rc); input(s) in $crashes/:"
    ls "$crashes"
    grep -A60 -E '^==[0-9]+==ERROR|runtime error|deadly signal|ERROR: libFuzzer' "$log" | head -120
    summary+=("$(printf '%-48s CRASH  %s runs, %s exec/s, %s' "$t" "$runs" "$eps" "$cov")")
  else
    rmdir "$crashes" 2>/dev/null
    summary+=("$(printf '%-48s ok     %s runs, %s exec/s, %s' "$t" "$runs" "$eps" "$cov")")
  fi
  echo "${summary[-1]}"
done
echo
echo "=== make fuzz: ${SECONDS_EACH}s per target"
printf '%s\n' "${summary[@]}"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz: ${#failed[@]} target(s) crashed: ${failed[*]} (inputs under fuzz-crashes/; reproduce with"
  echo "  bazel run --config=fuzz <target> -- \$PWD/fuzz-crashes/<name>/<file>)"
  exit 1
fi

#!/usr/bin/env bash
# Builds and tests examples/bazel-workspace (a workspace of its own that loads
# @zvmm//tests:defs.bzl) from a clean Bazel output base, so that the interface
# other workspaces use cannot break silently. Run by `make test` and
# `make example-test`.
#
# The output base is new on every run and deleted afterwards; compiled actions
# come from a disk cache kept under $ZVMM_CACHE (EXAMPLE_DISK_CACHE; empty to
# build everything from scratch; 40 MB here, it grows as zvmm changes: delete it
# when it gets big), and the guest test always runs (--nocache_test_results).
# EXAMPLE_BAZEL overrides the bazel command.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=guest-images/lib.sh
source "$root/guest-images/lib.sh"
bazel_cmd="${EXAMPLE_BAZEL:-bazel}"
disk_cache="${EXAMPLE_DISK_CACHE-$(zvmm_cache_dir)/example-disk-cache}"

output_base="$(mktemp -d "${TMPDIR:-/tmp}/zvmm-example-ob.XXXXXX")"
cleanup() {
  $bazel_cmd --output_base="$output_base" shutdown 2>/dev/null || true
  chmod -R u+w "$output_base" 2>/dev/null || true
  rm -rf "$output_base"
}
trap cleanup EXIT

opts=(--nocache_test_results --symlink_prefix=/)
[[ -n "$disk_cache" ]] && opts+=(--disk_cache="$disk_cache")
echo "example-test: bazel test //... in examples/bazel-workspace (new output base $output_base)"
start=$SECONDS
cd "$root/examples/bazel-workspace"
$bazel_cmd --output_base="$output_base" test "${opts[@]}" //...
echo "example-test: passed in $((SECONDS - start)) s"

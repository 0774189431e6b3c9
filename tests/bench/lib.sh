# Shared preamble of the guest benchmarks (disk_io.sh, nvme_io.sh), sourced
# from the repository root.
#
# bench_prepare NAME: builds the guest image, the emulated host image and an
# optimized zvmm (-c opt, like the distribution's QEMU it is compared with; the
# default fastbuild -O0 VMM is several times slower per request, which the
# emulated KVM host magnifies; ZVMM_BAZEL_ARGS overrides), then sets
#   bin    Bazel's bazel-bin for the images
#   work   a fresh /tmp/zvmm-NAME-bench.XXXXXX, removed at exit, holding
#          bzImage, initramfs.cpio and zvmm
# BAZEL_STARTUP / BAZEL_ARGS are passed to every Bazel command.
bench_prepare() {
  local name="$1"
  local zvmm_args="${ZVMM_BAZEL_ARGS--c opt}" zvmm_bin
  # shellcheck disable=SC2086  # word splitting of the option lists is intended
  bazel ${BAZEL_STARTUP:-} build ${BAZEL_ARGS:-} //guest-images:image //tests/kvm-host:host_image_6.12 2>&1 \
    | grep -E '^ERROR' && exit 1
  # shellcheck disable=SC2086
  bazel ${BAZEL_STARTUP:-} build ${BAZEL_ARGS:-} $zvmm_args //vmm:zvmm 2>&1 | grep -E '^ERROR' && exit 1
  # shellcheck disable=SC2086
  bin="$(bazel ${BAZEL_STARTUP:-} info ${BAZEL_ARGS:-} bazel-bin 2>/dev/null)"
  # shellcheck disable=SC2086
  zvmm_bin="$(bazel ${BAZEL_STARTUP:-} info ${BAZEL_ARGS:-} $zvmm_args bazel-bin 2>/dev/null)"
  work="$(mktemp -d "/tmp/zvmm-$name-bench.XXXXXX")"
  # shellcheck disable=SC2064  # $work is expanded now, on purpose
  trap "rm -rf '$work'" EXIT
  cp "$bin/guest-images/bzImage" "$bin/guest-images/initramfs.cpio" "$zvmm_bin/vmm/zvmm" "$work/"
}

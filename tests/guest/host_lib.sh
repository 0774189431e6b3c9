# Sourced by zvmm_host_test host scripts (inside the emulated KVM host).
# Environment from tests/guest/run_host_test.sh: ZVMM_BIN, ZVMM_ZONES_BIN,
# ZVMM_GUEST_KERNEL, ZVMM_GUEST_INITRD, ZVMM_WORKLOADS.
set -uo pipefail

host_fails=0
hok() { echo "host ok: $*"; }
hbad() { echo "host FAIL: $*"; host_fails=$((host_fails + 1)); }
hcheck() { if [[ "$2" == "$3" ]]; then hok "$1 = $2"; else hbad "$1 = '$2', want '$3'"; fi; }
host_finish() {
  [[ "$host_fails" -eq 0 ]] || { echo "$host_fails host check(s) failed"; exit 1; }
  echo "all host checks passed"
}

# boot_guest NAME [ZVMM_ARG...]: boots the guest image with workload NAME
# (guest script NAME.sh), console on stdout (also kept in NAME.log); returns
# zvmm's exit status (the guest script's).
boot_guest() {
  local name="$1"; shift
  echo "=== boot $name: zvmm $*"
  "$ZVMM_BIN" --kernel "$ZVMM_GUEST_KERNEL" --initrd "$ZVMM_GUEST_INITRD,$ZVMM_WORKLOADS/$name.cpio" \
    --cpus "${ZVMM_GUEST_CPUS:-1}" --memory "${ZVMM_GUEST_MEMORY:-512M}" --console stdio "$@" \
    </dev/null 2>&1 | tee "$name.log"
  return "${PIPESTATUS[0]}"
}

# expect_boot WHAT NAME [ZVMM_ARG...]: boot_guest, recording a failure unless status 0.
expect_boot() {
  local what="$1"; shift
  boot_guest "$@"
  local status=$?
  if [[ "$status" -eq 0 ]]; then hok "$what: guest checks passed"; else hbad "$what: zvmm exited with $status"; fi
}

zvmm_zones() { "$ZVMM_ZONES_BIN" "$@"; }
# zvmm_ctl SOCKET COMMAND [ARG...]: the control socket's client (zvmm --control).
zvmm_ctl() { "$ZVMM_CTL_BIN" "$@"; }
# control_socket [POLL_SECONDS]: a path for zvmm --control under a short
# mktemp -d in /tmp (a Unix socket path is at most 107 bytes; Bazel's test
# directories are longer): sets sockdir and sock. Then `ctl COMMAND...` talks
# to it and wait_socket waits (400 polls, POLL_SECONDS apart, default 0.25)
# until zvmm created it.
control_socket() {
  sockdir="$(mktemp -d /tmp/zvmm-ctl.XXXXXX)"
  sock="$sockdir/ctl.sock"
  socket_poll="${1:-0.25}"
}
ctl() { zvmm_ctl "$sock" "$@"; }
wait_socket() { for _ in $(seq 400); do [[ -S "$sock" ]] && return 0; sleep "$socket_poll"; done; hbad "no control socket"; return 1; }
# wait_for_line NAME TEXT [SECONDS]: waits until the console log of boot NAME
# (NAME.log, boot_guest run in the background) has TEXT; false on timeout.
wait_for_line() {
  local i
  for ((i = 0; i < ${3:-300} * 4; i++)); do
    grep -aq -- "$2" "$1.log" 2>/dev/null && return 0
    sleep 0.25
  done
  return 1
}

# Read-only zone checks shared by both boots of control_readonly_test
# (sourced after /work/lib.sh). Zone 3 of DEV was written with 64 KiB of
# /tmp/p and then set read-only by the host; zone 4 holds 64 KiB and stays
# writable. ro_checks DEV LABEL
zs=8192
yes zvmm-readonly | head -c 65536 >/tmp/p
# The "Input/output error" (EIO) a failed dd reports, or what it said instead.
dd_error() { grep -o "Input/output error" /tmp/err || cat /tmp/err; }
ro_checks() {
  local dev="$1" label="$2" z3=$((3 * 8192)) z4=$((4 * 8192))
  check "$label zone 3 condition (blkzone report)" "$(zone_cond $dev $z3)" ro
  check "$label zone 3 data (read back)" \
    "$(dd if=$dev bs=4096 skip=$((z3 / 8)) count=16 iflag=direct status=none 2>/tmp/err | sha256sum)" \
    "$(sha256sum </tmp/p)"
  run "$label read of zone 3 past the data" dd if=$dev of=/dev/null bs=4096 skip=$((z3 / 8 + 64)) count=4 iflag=direct status=none
  if dd if=/tmp/p of=$dev bs=4096 seek=$((z3 / 8 + 16)) count=1 oflag=direct status=none 2>/tmp/err; then
    bad "$label write to read-only zone 3 succeeded"
  else
    check "$label write to read-only zone 3" "$(dd_error)" "Input/output error"
  fi
  if blkzone reset -o $z3 -c 1 $dev 2>/tmp/err; then bad "$label reset of read-only zone 3 succeeded"; else ok "$label reset of read-only zone 3 fails: $(cat /tmp/err)"; fi
  if blkzone finish -o $z3 -c 1 $dev 2>/tmp/err; then bad "$label finish of read-only zone 3 succeeded"; else ok "$label finish of read-only zone 3 fails: $(cat /tmp/err)"; fi
  check "$label zone 3 after the refused write, reset and finish" "$(zone_cond $dev $z3)" ro
  check "$label zone 3 data after the refused write" \
    "$(dd if=$dev bs=4096 skip=$((z3 / 8)) count=16 iflag=direct status=none | sha256sum)" "$(sha256sum </tmp/p)"
  # Zone 4, beside it, is unaffected: its data reads back and it takes writes.
  check "$label zone 4 data" "$(dd if=$dev bs=4096 skip=$((z4 / 8)) count=16 iflag=direct status=none | sha256sum)" \
    "$(sha256sum </tmp/p)"
  local wp4; wp4=$(( $(zone_wp $dev $z4) ))
  run "$label write to zone 4 at its wp ($wp4)" dd if=/tmp/p of=$dev bs=4096 seek=$(((z4 + wp4) / 8)) count=1 oflag=direct status=none
  check "$label zone 4 wp after the write" "$(( $(zone_wp $dev $z4) ))" $((wp4 + 8))
}

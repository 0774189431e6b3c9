# Host side: the guest's zone report of the passed-through null_blk device
# matches the host's own; then zvmm-zones drives the same device.
source "$ZVMM_HOST_LIB"
expect_boot "pass-through guest" passthrough --disk virtio-blk,host=/dev/nullb0
# The wp of a FULL zone is undefined; Linux's virtio_blk reports start + len,
# null_blk start + capacity: compare everything else.
full_wp() { sed -E 's/wptr 0x[0-9a-f]+( .*zcond:14\(fu\))/wptr FULL\1/'; }
guest="$(grep -a '^GUEST-REPORT ' passthrough.log | sed 's/^GUEST-REPORT //' | tr -d '\r' | full_wp)"
host="$(blkzone report /dev/nullb0 | full_wp)"
hcheck "zone report lines (guest)" "$(wc -l <<<"$guest")" 64
hcheck "full zones (host)" "$(grep -c 'wptr FULL' <<<"$host")" 3
if [[ "$guest" == "$host" ]]; then
  hok "guest and host zone reports agree"
else
  hbad "guest and host zone reports differ:"; diff <(echo "$guest") <(echo "$host") | head -20
fi
hcheck "host: zone 5 wp" "$(blkzone report -o $((5 * 32768)) -c 1 /dev/nullb0 | sed -n 's/.*wptr \(0x[0-9a-f]*\).*/\1/p')" 0x000028

# zvmm-zones on the host device, through the same pass-through code (issue 13).
zs=32768  # null_blk zone_size=16 (MiB) in sectors
cond_of() { blkzone report -o $(($1 * zs)) -c 1 /dev/nullb0 | sed -n 's/.*zcond: *[0-9]*(\([a-z]*\)).*/\1/p'; }
hcheck "zvmm-zones report: zones" "$(zvmm_zones report /dev/nullb0 | wc -l)" 64
hcheck "zvmm-zones report: full zones" "$(zvmm_zones report /dev/nullb0 --filter full | wc -l)" 3
hcheck "zvmm-zones report: zone 5 wp" "$(zvmm_zones report /dev/nullb0 --start $((5 * zs)) --json | grep -m1 -o '"wp": [0-9]*')" "\"wp\": $((5 * zs + 40))"
zvmm_zones open /dev/nullb0 10; hcheck "zvmm-zones open: exit" "$?" 0
hcheck "zone 10 after zvmm-zones open (blkzone)" "$(cond_of 10)" oe
zvmm_zones close /dev/nullb0 10; hcheck "zvmm-zones close: exit" "$?" 0
hcheck "zone 10 after zvmm-zones close (blkzone)" "$(cond_of 10)" em
hcheck "zvmm-zones append" "$(zvmm_zones append /dev/nullb0 11 --size 8K)" "appended 8192 bytes to zone 11 at sector $((11 * zs))"
hcheck "zone 11 wp after the append (blkzone)" \
  "$(blkzone report -o $((11 * zs)) -c 1 /dev/nullb0 | sed -n 's/.*wptr \(0x[0-9a-f]*\).*/\1/p')" 0x000010
zvmm_zones finish /dev/nullb0 11; hcheck "zvmm-zones finish: exit" "$?" 0
hcheck "zone 11 after zvmm-zones finish (blkzone)" "$(cond_of 11)" fu
zvmm_zones reset /dev/nullb0 11; hcheck "zvmm-zones reset: exit" "$?" 0
hcheck "zone 11 after zvmm-zones reset (blkzone)" "$(cond_of 11)" em
zvmm_zones set-condition /dev/nullb0 12 offline 2>/dev/null
hcheck "zvmm-zones set-condition on a host device: usage error" "$?" 2
host_finish

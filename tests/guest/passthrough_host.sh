# Host side: the guest's zone report of the passed-through null_blk device
# matches the host's own.
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
host_finish

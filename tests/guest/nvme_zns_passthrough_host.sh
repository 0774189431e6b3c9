# Host side: the guest's zone report of null_blk passed through as a ZNS
# namespace matches the host's own.
source "$ZVMM_HOST_LIB"
expect_boot "ZNS pass-through guest" nvme_zns_passthrough --disk nvme,host=/dev/nullb0
# The wp of a FULL zone is undefined: compare everything else.
full_wp() { sed -E 's/wptr 0x[0-9a-f]+( .*zcond:14\(fu\))/wptr FULL\1/'; }
guest="$(grep -a '^GUEST-REPORT ' nvme_zns_passthrough.log | sed 's/^GUEST-REPORT //' | tr -d '\r' | full_wp)"
host="$(blkzone report /dev/nullb0 | full_wp)"
hcheck "zone report lines (guest)" "$(wc -l <<<"$guest")" 64
hcheck "full zones (host)" "$(grep -c 'wptr FULL' <<<"$host")" 7
if [[ "$guest" == "$host" ]]; then
  hok "guest and host zone reports agree"
else
  hbad "guest and host zone reports differ:"; diff <(echo "$guest") <(echo "$host") | head -20
fi
hcheck "host: zone 20 wp" "$(blkzone report -o $((20 * 32768)) -c 1 /dev/nullb0 | sed -n 's/.*wptr \(0x[0-9a-f]*\).*/\1/p')" 0x000028
host_finish

# One zoned image used first through virtio-blk, then through NVMe ZNS: the
# same zones (blkzone report: write pointers, conditions) and the same data.
source "$ZVMM_HOST_LIB"
expect_boot "boot 1 (virtio-blk)" nvme_zns_xfer_virtio \
  --disk virtio-blk,file=x.img,size=64M,zoned=hm,zone-size=4M,zone-capacity=3M,max-open=4,max-active=6
expect_boot "boot 2 (nvme)" nvme_zns_xfer_nvme --disk nvme,file=x.img
# The wp of a FULL zone is undefined (Linux's virtio_blk reports start + len):
# compare everything else.
norm() { grep -a '^XFER-REPORT ' | sed 's/^XFER-REPORT //' | tr -d '\r' |
  sed -E 's/wptr 0x[0-9a-f]+( .*zcond:14\(fu\))/wptr FULL\1/'; }
r1="$(norm <nvme_zns_xfer_virtio.log)"
r2="$(norm <nvme_zns_xfer_nvme.log)"
hcheck "zone report lines (virtio)" "$(wc -l <<<"$r1")" 16
hcheck "full zones (virtio)" "$(grep -c 'zcond:14(fu)' <<<"$r1")" 2
hcheck "closed zones (virtio)" "$(grep -c 'zcond: 4(cl)' <<<"$r1")" 3
if [[ "$r1" == "$r2" ]]; then
  hok "virtio-blk and NVMe zone reports agree"
else
  hbad "zone reports differ:"; diff <(echo "$r1") <(echo "$r2") | head -20
fi
s1="$(grep -a '^XFER-SUM ' nvme_zns_xfer_virtio.log | tr -d '\r')"
s2="$(grep -a '^XFER-SUM ' nvme_zns_xfer_nvme.log | tr -d '\r')"
[[ -n "$s1" ]] || hbad "boot 1 printed no checksums"
hcheck "data checksums virtio-blk vs NVMe" "$s2" "$s1"
host_finish

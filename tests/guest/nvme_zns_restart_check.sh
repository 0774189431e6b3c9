# ZNS restart, boot 3 (nvme_zns_restart_host.sh), after a SIGKILL with zones
# 4 and 5 open: no zone is open, zone 4 (no data) EMPTY, zone 5 CLOSED at +8,
# the earlier zones as boot 2 left them; the full open budget is free.
source /work/lib.sh
source /work/nvme_lib.sh
dev=/dev/nvme0n1 zs=8192
[[ -b $dev ]] || { bad "no $dev"; nvme_dmesg; finish; }
nvme zns report-zones $dev -d 6
check "open zones (blkzone)" "$(blkzone report $dev | grep -cE 'zcond: *(2\(oi\)|3\(oe\))')" 0
check "zone 2" "$(zone_cond $dev $((2 * zs))) $(zone_wp $dev $((2 * zs)))" "cl 0x000008"
check "zone 4 (was open, no data)" "$(zone_cond $dev $((4 * zs)))" em
check "zone 5 (was implicitly open, 4 KiB)" "$(zone_cond $dev $((5 * zs))) $(zone_wp $dev $((5 * zs)))" "cl 0x000008"
yes zvmm-zns-restart | head -c 4096 >/tmp/pattern
check "zone 2 data" "$(dd if=$dev bs=4096 count=1 skip=$((2 * zs / 8)) iflag=direct status=none | md5sum)" \
  "$(md5sum </tmp/pattern)"
run "open zone 6" nvme zns open-zone $dev -s $((6 * zs))
run "open zone 7" nvme zns open-zone $dev -s $((7 * zs))
finish

# ZNS restart, boot 2 (nvme_zns_restart_host.sh): boot 1 ended with zones
# open; now none is (zones without data EMPTY, with data CLOSED, write
# pointers and data kept). Then zone 4 explicitly open without data, zone 5
# implicitly open with 4 KiB: the host kills zvmm with SIGKILL while they are.
source /work/lib.sh
source /work/nvme_lib.sh
dev=/dev/nvme0n1 zs=8192
[[ -b $dev ]] || { bad "no $dev"; nvme_dmesg; finish; }
nvme zns report-zones $dev -d 6
check "open zones (nvme zns report-zones -S 2, -S 3)" \
  "$(nvme zns report-zones $dev -S 2 | grep -c '^SLBA') $(nvme zns report-zones $dev -S 3 | grep -c '^SLBA')" "0 0"
check "zone 1 (was open, no data)" "$(zone_cond $dev $zs)" em
check "zone 2 (was open, 4 KiB)" "$(zone_cond $dev $((2 * zs))) $(zone_wp $dev $((2 * zs)))" "cl 0x000008"
check "zone 3 (was implicitly open, 8 KiB)" "$(zone_cond $dev $((3 * zs))) $(zone_wp $dev $((3 * zs)))" "cl 0x000010"
yes zvmm-zns-restart | head -c 4096 >/tmp/pattern
check "zone 2 data" "$(dd if=$dev bs=4096 count=1 skip=$((2 * zs / 8)) iflag=direct status=none | md5sum)" \
  "$(md5sum </tmp/pattern)"
run "open zone 4" nvme zns open-zone $dev -s $((4 * zs))
run "write zone 5" dd if=/dev/zero of=$dev bs=4096 count=1 seek=$((5 * zs / 8)) oflag=direct status=none
check "zone 4" "$(zone_cond $dev $((4 * zs)))" oe
check "zone 5" "$(zone_cond $dev $((5 * zs)))" oi
[[ "$fails" -eq 0 ]] && echo "RESTART-READY-FOR-SIGKILL"
sleep 600

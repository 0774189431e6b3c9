# ZNS restart, boot 1 (nvme_zns_restart_host.sh): zone 1 explicitly open
# without data, zone 2 explicitly open with 4 KiB of a known pattern, zone 3
# implicitly open with 8 KiB.
source /work/lib.sh
source /work/nvme_lib.sh
dev=/dev/nvme0n1 zs=8192
[[ -b $dev ]] || { bad "no $dev"; nvme_dmesg; finish; }
yes zvmm-zns-restart | head -c 4096 >/tmp/pattern
run "open zone 1" nvme zns open-zone $dev -s $zs
run "open zone 2" nvme zns open-zone $dev -s $((2 * zs))
run "write zone 2" dd if=/tmp/pattern of=$dev bs=4096 seek=$((2 * zs / 8)) oflag=direct status=none
run "write zone 3" dd if=/dev/zero of=$dev bs=4096 count=2 seek=$((3 * zs / 8)) oflag=direct status=none
nvme zns report-zones $dev -d 4
check "zone 1" "$(zone_cond $dev $zs)" oe
check "zone 2" "$(zone_cond $dev $((2 * zs)))" oe
check "zone 3" "$(zone_cond $dev $((3 * zs)))" oi
finish

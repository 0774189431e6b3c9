# Restart, boot 2 (restart_host.sh): a new zvmm on the image is a power cycle.
# No zone is open; zones without data are EMPTY, with data CLOSED; write
# pointers and data are kept, and the full open budget (max-open 2) is free.
source /work/lib.sh
dev=/dev/vda zs=8192
blkzone report -o $zs -c 3 $dev
check "zone 1 (was open, no data)" "$(zone_cond $dev $zs)" em
check "zone 2 (was open, 4 KiB)" "$(zone_cond $dev $((2 * zs)))" cl
check "zone 2 wp" "$(zone_wp $dev $((2 * zs)))" 0x000008
check "open zones" "$(blkzone report $dev | grep -cE 'zcond: *(2\(oi\)|3\(oe\))')" 0
yes zvmm-restart | head -c 4096 >/tmp/pattern
check "zone 2 data" "$(dd if=$dev bs=4096 count=1 skip=$((2 * zs / 8)) iflag=direct status=none | md5sum)" \
  "$(md5sum </tmp/pattern)"
# The reproduction: both failed with ETOOMANYREFS when open zones survived.
run "write zone 3" dd if=/dev/zero of=$dev bs=4096 count=1 seek=$((3 * zs / 8)) oflag=direct status=none
run "write continues at zone 2's wp" dd if=/dev/zero of=$dev bs=4096 count=1 seek=$((2 * zs / 8 + 1)) \
  oflag=direct status=none
run "open zone 4" blkzone open -o $((4 * zs)) -c 1 $dev
run "open zone 5 (closes zone 3 to make room)" blkzone open -o $((5 * zs)) -c 1 $dev
blkzone report -o $((3 * zs)) -c 3 $dev
check "zone 3 after the opens" "$(zone_cond $dev $((3 * zs)))" cl
check "zone 3 wp" "$(zone_wp $dev $((3 * zs)))" 0x000008
check "zone 2 wp after the write" "$(zone_wp $dev $((2 * zs)))" 0x000010
finish

# Restart, boot 4 (restart_host.sh): after kill -9 no zone is open either.
source /work/lib.sh
dev=/dev/vda zs=8192
blkzone report -o $((3 * zs)) -c 5 $dev
check "open zones" "$(blkzone report $dev | grep -cE 'zcond: *(2\(oi\)|3\(oe\))')" 0
check "zone 7 (open with 12 KiB at the kill)" "$(zone_cond $dev $((7 * zs)))" cl
check "zone 7 wp" "$(zone_wp $dev $((7 * zs)))" 0x000018
check "zone 6 (open with 4 KiB at the kill)" "$(zone_cond $dev $((6 * zs)))" cl
check "zone 4 (opened in boot 2, no data)" "$(zone_cond $dev $((4 * zs)))" em
run "open zone 8" blkzone open -o $((8 * zs)) -c 1 $dev
run "open zone 9" blkzone open -o $((9 * zs)) -c 1 $dev
finish

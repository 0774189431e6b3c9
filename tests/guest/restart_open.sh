# Restart, boot 1 (restart_host.sh): zone 1 explicitly open without data, zone 2
# explicitly open with 4 KiB of a known pattern (max-open 2: both slots taken).
source /work/lib.sh
dev=/dev/vda zs=8192
yes zvmm-restart | head -c 4096 >/tmp/pattern
blkzone reset $dev
run "open zone 1" blkzone open -o $zs -c 1 $dev
run "open zone 2" blkzone open -o $((2 * zs)) -c 1 $dev
run "write zone 2" dd if=/tmp/pattern of=$dev bs=4096 seek=$((2 * zs / 8)) oflag=direct status=none
blkzone report -o $zs -c 3 $dev
check "zone 1" "$(zone_cond $dev $zs)" oe
check "zone 2" "$(zone_cond $dev $((2 * zs)))" oe
finish

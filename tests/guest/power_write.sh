# Power cut, boot 1 (control_host.sh): 1 MiB written and flushed into zone 7,
# zone 8 explicitly open without data; then waits for the host's power-cut.
source /work/lib.sh
dev=/dev/vda zs=8192
yes zvmm-power | head -c $((1024 * 1024)) >/tmp/p
run "write zone 7 + flush" dd if=/tmp/p of=$dev bs=65536 seek=$((7 * zs / 128)) oflag=direct conv=fsync status=none
run "open zone 8" blkzone open -o $((8 * zs)) -c 1 $dev
check "zone 8" "$(zone_cond $dev $((8 * zs)))" oe
# Not flushed: may or may not survive, but the zone must end up consistent.
dd if=/tmp/p of=$dev bs=4096 seek=$((9 * zs / 8)) count=16 oflag=direct status=none
finish
echo POWER-READY
sleep 1000

# Persistence, run 2: prints the same write pointers and checksum as run 1
# (the host script compares them) and checks zone 2 is still writable at its wp.
source /work/lib.sh
dev=/dev/vda zs=8192
blkzone report $dev | awk '{print "PERSIST-WP", $2, $8}'
echo "PERSIST-SHA $(dd if=$dev bs=4096 skip=$((zs / 8)) count=$((5 * 256 + 1)) iflag=direct status=none | sha256sum)"
check "zone 1" "$(zone_cond $dev $zs)" fu
run "write at zone 2's persisted wp" dd if=/dev/zero of=$dev bs=4096 count=1 seek=$(((2 * zs + 2056) / 8)) oflag=direct status=none
check "zone 2 wp after the write (relative)" "$(zone_wp $dev $((2 * zs)))" 0x000810
finish

# Persistence, run 1: writes a pattern into zones 1 and 2 (zone 1 full,
# zone 2 partly) and prints the write pointers and a checksum.
source /work/lib.sh
dev=/dev/vda zs=8192
# A deterministic 5 MiB + 4 KiB pattern: zone 1 (4 MiB) and 1 MiB + 4 KiB of zone 2.
yes "zvmm persistence pattern" | head -c $((5 * 1024 * 1024 + 4096)) >/tmp/pattern
run "write the pattern" dd if=/tmp/pattern of=$dev bs=4096 seek=$((zs / 8)) oflag=direct status=none
check "zone 1" "$(zone_cond $dev $zs)" fu
check "zone 2 wp (relative)" "$(zone_wp $dev $((2 * zs)))" 0x000808
run "sync" sync
blkzone report $dev | awk '{print "PERSIST-WP", $2, $8}'
echo "PERSIST-SHA $(dd if=$dev bs=4096 skip=$((zs / 8)) count=$((5 * 256 + 1)) iflag=direct status=none | sha256sum)"
echo "PERSIST-PATTERN-SHA $(sha256sum </tmp/pattern)"
finish

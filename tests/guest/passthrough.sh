# A host null_blk zoned device passed through (--disk virtio-blk,host=/dev/nullb0):
# 1G, 4K blocks, 16M zones with 12M capacity, 2 conventional, max open 4, active 6.
source /work/lib.sh
dev=/dev/vda q=/sys/block/vda/queue
check "queue/zoned" "$(cat $q/zoned)" host-managed
check "queue/chunk_sectors" "$(cat $q/chunk_sectors)" 32768
check "queue/nr_zones" "$(cat $q/nr_zones)" 64
check "queue/logical_block_size" "$(cat $q/logical_block_size)" 4096
check "queue/max_open_zones" "$(cat $q/max_open_zones)" 4
check "queue/max_active_zones" "$(cat $q/max_active_zones)" 6
check "conventional zones" "$(blkzone report $dev | grep -c CONVENTIONAL)" 2
run "fio zbd seq write + verify over 3 zones" fio --name=pt --filename=$dev --direct=1 \
  --zonemode=zbd --ioengine=psync --rw=write --bs=64k --offset=32M --size=48M \
  --verify=crc32c --output=/tmp/pt.txt
grep -E "WRITE:|READ:|err=" /tmp/pt.txt
check "full zones" "$(blkzone report $dev | grep -c 'zcond:14(fu)')" 3
run "partial write to zone 5" dd if=/dev/urandom of=$dev bs=4096 count=5 seek=$((5 * 4096)) oflag=direct status=none
run "explicit open zone 6" blkzone open -o $((6 * 32768)) -c 1 $dev
blkzone report $dev | sed 's/^/GUEST-REPORT /'
finish

# A host null_blk zoned device passed through as a ZNS namespace
# (--disk nvme,host=/dev/nullb0): 1G, 4K blocks, 16M zones with 12M capacity,
# no conventional zones (ZNS has none), max open 4, active 6.
source /work/lib.sh
source /work/nvme_lib.sh
dev=/dev/nvme0n1 q=/sys/block/nvme0n1/queue
if [[ ! -b $dev ]]; then bad "no $dev"; nvme_dmesg; finish; fi
check "queue/zoned" "$(cat $q/zoned)" host-managed
check "queue/chunk_sectors" "$(cat $q/chunk_sectors)" 32768
check "queue/nr_zones" "$(cat $q/nr_zones)" 64
check "queue/logical_block_size" "$(cat $q/logical_block_size)" 4096
check "queue/max_open_zones" "$(cat $q/max_open_zones)" 4
check "queue/max_active_zones" "$(cat $q/max_active_zones)" 6
check "conventional zones" "$(blkzone report $dev | grep -c CONVENTIONAL)" 0
run "fio zbd seq write + crc32c verify over 3 zones" fio --name=pt --filename=$dev --direct=1 \
  --zonemode=zbd --ioengine=psync --rw=write --bs=64k --offset=16M --size=48M \
  --verify=crc32c --output=/tmp/pt.txt
grep -E "WRITE:|READ:|err=" /tmp/pt.txt
check "fio errors" "$(grep -c 'err= *[1-9]' /tmp/pt.txt)" 0
check "full zones" "$(blkzone report $dev | grep -c 'zcond:14(fu)')" 3
run "fio zbd 2 jobs, QD 4, libaio, verify over 4 more zones" fio --name=pt2 --filename=$dev --direct=1 \
  --zonemode=zbd --ioengine=libaio --iodepth=4 --rw=write --bs=16k --numjobs=2 \
  --offset=128M --offset_increment=32M --size=32M --verify=crc32c --group_reporting --output=/tmp/pt2.txt
grep -E "WRITE:|READ:|err=" /tmp/pt2.txt
check "fio errors (2 jobs)" "$(grep -c 'err= *[1-9]' /tmp/pt2.txt)" 0
check "full zones after both runs" "$(blkzone report $dev | grep -c 'zcond:14(fu)')" 7
run "partial write to zone 20" dd if=/dev/urandom of=$dev bs=4096 count=5 seek=$((20 * 4096)) oflag=direct status=none
run "explicit open zone 21" blkzone open -o $((21 * 32768)) -c 1 $dev
blkzone report $dev | sed 's/^/GUEST-REPORT /'
finish

# Boot 1 of nvme_zns_xfer_test: the image as a zoned virtio-blk disk (/dev/vda,
# 64M, 4M zones of capacity 3M, max-open 4, max-active 6). Leaves zones full,
# closed with a partial write pointer, finished early and empty, then prints
# the zone report and the data's checksums for boot 2 (NVMe) to compare.
source /work/lib.sh
dev=/dev/vda zs=8192
check "queue/zoned" "$(cat /sys/block/vda/queue/zoned)" host-managed
check "nr_zones" "$(cat /sys/block/vda/queue/nr_zones)" 16
w() { dd if=/dev/urandom of=$dev bs=4096 count=$2 seek=$(($1 / 8)) oflag=direct status=none; }
run "fill zone 1 (3M)" w $((1 * zs)) 768
run "zone 2: 1M + 8K" w $((2 * zs)) 258
run "close zone 2" blkzone close -o $((2 * zs)) -c 1 $dev
run "zone 3: 512K" w $((3 * zs)) 128
run "finish zone 3" blkzone finish -o $((3 * zs)) -c 1 $dev
run "zone 7: 4K" w $((7 * zs)) 1
run "close zone 7" blkzone close -o $((7 * zs)) -c 1 $dev
run "zone 15: 2M" w $((15 * zs)) 512
run "close zone 15" blkzone close -o $((15 * zs)) -c 1 $dev
blkzone report $dev | sed 's/^/XFER-REPORT /'
sum() { dd if=$dev bs=4096 skip=$(($1 / 8)) count=$2 iflag=direct status=none | sha256sum | cut -c1-64; }
echo "XFER-SUM $(sum $((1 * zs)) 768) $(sum $((2 * zs)) 258) $(sum $((3 * zs)) 128) $(sum $((7 * zs)) 1) $(sum $((15 * zs)) 512)"
finish

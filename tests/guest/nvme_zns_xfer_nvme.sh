# Boot 2 of nvme_zns_xfer_test: the same image as an NVMe ZNS namespace
# (/dev/nvme0n1). Prints the zone report and checksums of the ranges boot 1
# wrote; the host script compares them; then the zones keep working.
source /work/lib.sh
source /work/nvme_lib.sh
dev=/dev/nvme0n1 zs=8192
if [[ ! -b $dev ]]; then bad "no $dev"; nvme_dmesg; finish; fi
q=/sys/block/nvme0n1/queue
check "queue/zoned" "$(cat $q/zoned)" host-managed
check "nr_zones" "$(cat $q/nr_zones)" 16
check "chunk_sectors" "$(cat $q/chunk_sectors)" $zs
check "max_open_zones" "$(cat $q/max_open_zones)" 4
check "max_active_zones" "$(cat $q/max_active_zones)" 6
blkzone report $dev | sed 's/^/XFER-REPORT /'
sum() { dd if=$dev bs=4096 skip=$(($1 / 8)) count=$2 iflag=direct status=none | sha256sum | cut -c1-64; }
echo "XFER-SUM $(sum $((1 * zs)) 768) $(sum $((2 * zs)) 258) $(sum $((3 * zs)) 128) $(sum $((7 * zs)) 1) $(sum $((15 * zs)) 512)"
run "append-style write at zone 2's wp over NVMe" dd if=/dev/urandom of=$dev bs=4096 count=2 \
  seek=$(( (2 * zs + 258 * 8) / 8 )) oflag=direct status=none
check "zone 2 wp after the write" "$(zone_wp $dev $((2 * zs)))" 0x000820
finish

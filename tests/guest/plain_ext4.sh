# A plain (zoned=none) raw image: ext4 on it, written, checked.
source /work/lib.sh
dev=/dev/vda
check "queue/zoned" "$(cat /sys/block/vda/queue/zoned)" none
check "size (sectors)" "$(cat /sys/block/vda/size)" 262144
check "discard offered" "$(( $(cat /sys/block/vda/queue/discard_max_bytes) > 0 ))" 1
run "mkfs.ext4" mkfs.ext4 -q -F $dev
mkdir -p /mnt
run "mount" mount -t ext4 $dev /mnt
run "write a file" dd if=/dev/urandom of=/mnt/data bs=1M count=16 status=none
sum="$(sha256sum </mnt/data)"
run "fstrim" fstrim -v /mnt
run "sync" sync
run "umount" umount /mnt
run "e2fsck -fn clean" e2fsck -fn $dev
run "mount again" mount -t ext4 -o ro $dev /mnt
check "data checksum after remount" "$(sha256sum </mnt/data)" "$sum"
umount /mnt
finish

# btrfs in zoned mode on a Zoned Namespace (256M, 8M zones, 14 open/active).
source /work/lib.sh
source /work/nvme_lib.sh
dev=/dev/nvme0n1
[[ -b $dev ]] || { bad "no $dev"; nvme_dmesg; finish; }
check "queue/zoned" "$(cat /sys/block/nvme0n1/queue/zoned)" host-managed
mkdir -p /mnt
run "mkfs.btrfs -O zoned" mkfs.btrfs -q -f -O zoned -m single -d single $dev
run "mount" mount -t btrfs $dev /mnt
for i in 1 2 3 4; do run "write file $i" dd if=/dev/urandom of=/mnt/f$i bs=1M count=8 status=none; done
(cd /mnt && sha256sum f1 f2 f3 f4 >/tmp/sums)
run "sync" sync
run "umount" umount /mnt
run "mount again" mount -t btrfs $dev /mnt
run "checksums after remount" sh -c 'cd /mnt && sha256sum -c /tmp/sums'
run "umount" umount /mnt
run "btrfs check" btrfs check $dev
check "zones in use (not empty)" "$(( $(blkzone report $dev | grep -vc 'zcond: 1(em)') > 0 ))" 1
finish

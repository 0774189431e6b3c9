# btrfs in zoned mode on a host-managed emulated disk (256M, 8M zones, 14
# open/active): btrfs_zoned_test on virtio-blk, nvme_zns_btrfs_test on a Zoned
# Namespace.
source /work/lib.sh
host_managed_disk
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

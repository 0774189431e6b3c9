# Boot 2 of nvme_ext4_test: the file written in boot 1 reads back.
source /work/lib.sh
source /work/nvme_lib.sh
ns=/dev/nvme0n1
[[ -b $ns ]] || { bad "no $ns"; nvme_dmesg; finish; }
run "e2fsck -fn clean" e2fsck -fn $ns
mkdir -p /mnt
run "mount" mount -t ext4 -o ro $ns /mnt
echo "NVME-EXT4-SHA $(sha256sum </mnt/data)"
umount /mnt
finish

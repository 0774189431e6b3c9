# Boot 1 of nvme_ext4_test: ext4 on an NVM namespace (mkfs, mount, write,
# sync, umount, fsck clean); a raw pattern at 200 MiB for the host to check;
# then poweroff -f (the controller is shut down, zvmm flushes and exits 0).
source /work/lib.sh
source /work/nvme_lib.sh
ns=/dev/nvme0n1
[[ -b $ns ]] || { bad "no $ns"; nvme_dmesg; finish; }
run "mkfs.ext4" mkfs.ext4 -q -F $ns 160M
mkdir -p /mnt
run "mount" mount -t ext4 $ns /mnt
run "write a file" dd if=/dev/urandom of=/mnt/data bs=1M count=16 status=none
echo "NVME-EXT4-SHA $(sha256sum </mnt/data)"
run "sync" sync
run "umount" umount /mnt
run "e2fsck -fn clean" e2fsck -fn $ns
# A pattern the host reads back from the image after the power-off.
yes "zvmm nvme poweroff pattern" | head -c $((4 << 20)) >/tmp/pattern
echo "NVME-PATTERN-SHA $(sha256sum </tmp/pattern)"
run "write the raw pattern (page cache)" dd if=/tmp/pattern of=$ns bs=1M seek=200 status=none
[[ "$fails" -eq 0 ]] || finish
echo "NVME-POWEROFF"
# No sync: the kernel's shutdown path writes back and flushes the disk, and
# shuts the controller down (CC.SHN) before the ACPI power-off.
poweroff -f
sleep 30
exit 1

# ext4 on an NVMe namespace across two boots; poweroff -f ends zvmm with 0
# and the data written just before it is in the image.
source "$ZVMM_HOST_LIB"
disk="nvme,file=ext4.img,zoned=none,size=256M"
boot_guest nvme_ext4_write --disk "$disk"
status=$?
hcheck "zvmm exit status after poweroff -f" "$status" 0
grep -aq "^NVME-POWEROFF" nvme_ext4_write.log || hbad "boot 1 did not reach the power-off"
grep -aq "NVME-POWEROFF" nvme_ext4_write.log && ! grep -aq "^FAIL" nvme_ext4_write.log && hok "boot 1 checks passed"
hcheck "raw pattern in the image after the power-off" \
  "$(dd if=ext4.img bs=1M skip=200 count=4 status=none | sha256sum)" \
  "$(grep -a '^NVME-PATTERN-SHA' nvme_ext4_write.log | sed 's/^NVME-PATTERN-SHA //' | tr -d '\r')"
expect_boot "boot 2" nvme_ext4_read --disk "$disk"
sha1="$(grep -a '^NVME-EXT4-SHA' nvme_ext4_write.log | tr -d '\r')"
sha2="$(grep -a '^NVME-EXT4-SHA' nvme_ext4_read.log | tr -d '\r')"
[[ -n "$sha1" ]] || hbad "boot 1 printed no checksum"
hcheck "file checksum boot 1 vs boot 2" "$sha2" "$sha1"
host_finish

# A host-aware emulated disk: Linux 6.12 uses it as a regular disk (it ignores
# VIRTIO_BLK_Z_HA); random writes must work and verify.
source /work/lib.sh
dev=/dev/vda
check "queue/zoned" "$(cat /sys/block/vda/queue/zoned)" none
check "size (sectors)" "$(cat /sys/block/vda/size)" 131072
run "fio random write + crc32c verify" fio --name=ha --filename=$dev --direct=1 --ioengine=psync \
  --rw=randwrite --bs=4k --size=32M --io_size=8M --verify=crc32c --output=/tmp/ha.txt
grep -E "WRITE:|READ:|err=" /tmp/ha.txt
check "fio errors" "$(grep -c 'err= *[1-9]' /tmp/ha.txt)" 0
finish

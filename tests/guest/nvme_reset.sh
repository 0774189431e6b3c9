# nvme reset in the middle of fio: fio may see errors for in-flight I/O only,
# the namespace comes back, and data written before the reset verifies.
# Disk (BUILD.bazel): nvme,file=reset.img,zoned=none,size=256M; 2 vCPUs.
source /work/lib.sh
source /work/nvme_lib.sh
ns=/dev/nvme0n1
[[ -b $ns ]] || { bad "no $ns"; nvme_dmesg; finish; }
yes "before the reset" | head -c $((32 << 20)) >/tmp/before
run "write 32 MiB before the reset" dd if=/tmp/before of=$ns bs=1M oflag=direct status=none
fio --name=during --filename=$ns --direct=1 --ioengine=libaio --iodepth=32 --rw=randrw --bs=4k \
  --offset=64M --size=128M --time_based --runtime=8 --numjobs=2 --group_reporting --output=/tmp/during.txt &
fio_pid=$!
sleep 3
run "nvme reset" nvme reset /dev/nvme0
wait $fio_pid; fio_status=$?
echo "fio during the reset: exit $fio_status"; grep -E "READ:|WRITE:|err=" /tmp/during.txt
check "controller live after reset" "$(cat /sys/class/nvme/nvme0/state)" live
check "data written before the reset" "$(dd if=$ns bs=1M count=32 iflag=direct status=none | sha256sum)" \
  "$(sha256sum </tmp/before)"
run "fio verify after the reset" fio --name=after --filename=$ns --direct=1 --ioengine=libaio --iodepth=32 \
  --rw=randwrite --bs=4k --offset=64M --size=64M --verify=crc32c --numjobs=2 --offset_increment=64M \
  --group_reporting --output=/tmp/after.txt
check "fio errors after the reset" "$(grep -c 'err= *[1-9]' /tmp/after.txt)" 0
nvme_dmesg
finish

# Issue 9, part 1: an open-resource error only when no implicitly open zone can
# be closed, whatever is in flight.
# Disks (BUILD.bazel), both 4M zones of capacity 3M, max-open 2:
#   /dev/vda 256M, one queue: the reproduction from the issue;
#   /dev/vdb 128M, two queues (2 vCPUs): several writers and explicit opens.
source /work/lib.sh
zs=8192
open_re='zcond: *(2\(oi\)|3\(oe\))'

echo "--- one batch of three 4 KiB writes to the starts of zones 4, 5, 6 (max-open 2)"
blkzone reset /dev/vda
run "fio batch of 3 writes" fio --name=b3 --filename=/dev/vda --direct=1 --ioengine=libaio \
  --iodepth=3 --iodepth_batch_submit=3 --rw=write:4092k --bs=4k --offset=16M --size=12M \
  --number_ios=3 --output=/tmp/b3.txt
grep -E "WRITE:|err=" /tmp/b3.txt
report="$(blkzone report -o $((4 * zs)) -c 3 /dev/vda)"
echo "$report"
check "fio errors" "$(grep -c 'err= *[1-9]' /tmp/b3.txt)" 0
check "zones 4-6 with wp +8 (one 4 KiB write each)" "$(grep -c 'wptr 0x000008' <<<"$report")" 3
# Which zone the device closed depends on the order the three writes reached
# it; exactly one of them is closed and two stay implicitly open.
check "implicitly open among zones 4-6" "$(grep -c 'zcond: *2(oi)' <<<"$report")" 2
check "closed among zones 4-6" "$(grep -c 'zcond: *4(cl)' <<<"$report")" 1
check "open zones on the disk" "$(blkzone report /dev/vda | grep -cE "$open_re")" 2

# Explicit opens beside the writers (AUTOCLOSE_EXPLICIT_OPENS=0 leaves them
# out). A run that stalls prints the block layer's view (run_watched).
explicit="${AUTOCLOSE_EXPLICIT_OPENS:-1}"
echo "--- 3 fio jobs, iodepth 4, one zone each at a time, 12 zones, on 2 queues; explicit opens beside them: $explicit"
blkzone reset /dev/vdb
zbd_writers_with_opener /dev/vdb $((31 * zs)) "$explicit"
check "zones 1-12 full" "$(blkzone report -o $zs -c 12 /dev/vdb | grep -c 'zcond:14(fu)')" 12
check "open zones within max-open" "$(( $(blkzone report /dev/vdb | grep -cE "$open_re") <= 2 ))" 1
check "kernel I/O errors" "$(dmesg | grep -ciE 'open zones exceeded|I/O error')" 0
finish

# fio in zonemode=zbd on a host-managed emulated disk.
# Disk (BUILD.bazel): 128M, zone-size 4M, zone-capacity 3M, 1 conventional
# zone, max-open 4, max-active 6, 2 queues.
source /work/lib.sh
dev=/dev/vda
zs=8192
fio_zbd() { fio --filename=$dev --direct=1 --zonemode=zbd --ioengine=psync --group_reporting "$@"; }

echo "--- sequential write + crc32c verify over 8 zones (zones 1-8)"
run "fio seq write verify" fio_zbd --name=seqwrite --rw=write --bs=64k --offset=4M --size=32M \
  --verify=crc32c --do_verify=1 --output=/tmp/seq.txt
grep -E "WRITE:|READ:|err=" /tmp/seq.txt
check "full zones after the write" "$(blkzone report -o $zs -c 8 $dev | grep -c 'zcond:14(fu)')" 8
check "fio errors" "$(grep -c 'err= *[1-9]' /tmp/seq.txt)" 0

echo "--- random read over the written zones"
run "fio random read" fio_zbd --name=randread --rw=randread --bs=4k --offset=4M --size=32M \
  --io_size=8M --output=/tmp/rr.txt
grep -E "READ:" /tmp/rr.txt
check "random read bytes" "$(grep -c 'READ: bw=.*io=8192KiB' /tmp/rr.txt)" 1

echo "--- random writes limited to the device's 4 open zones (zones 9-24)"
run "fio randwrite max_open_zones=4 verify" fio_zbd --name=randwrite --rw=randwrite --bs=16k \
  --offset=36M --size=64M --io_size=16M --max_open_zones=4 --verify=crc32c --output=/tmp/rw.txt
grep -E "WRITE:|err=" /tmp/rw.txt
check "max open zones respected (open zones now)" \
  "$(( $(blkzone report $dev | grep -cE 'zcond: (2\(oi\)|3\(oe\))') <= 4 ))" 1

echo "--- max_open_zones above the device limit"
out="$(fio_zbd --name=toomany --rw=randwrite --bs=16k --offset=36M --size=64M --io_size=4M \
  --max_open_zones=8 2>&1)"; st=$?
echo "$out" | grep -iE "max_open_zones|error|exceed" | head -5
if [[ $st -ne 0 && "$out" =~ max_open_zones ]]; then
  ok "fio refuses --max_open_zones=8 > device limit 4 (exit $st)"
else
  bad "fio --max_open_zones=8: exit $st, want a refusal naming max_open_zones"
fi
finish

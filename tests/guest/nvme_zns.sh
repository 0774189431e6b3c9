# A Zoned Namespace on the NVMe controller (issue 12): sysfs and blkzone
# match the geometry; nvme-cli's zns plugin (id-ctrl, id-ns, report-zones,
# zone-mgmt-send, zone-append, changed-zone-list); fio --zonemode=zbd write +
# crc32c verify with two jobs on two I/O queues.
# Disk (BUILD.bazel): nvme,file=zns.img,size=256M,zone-size=8M,zone-capacity=6M,
# max-open=8,max-active=12 (512-byte LBAs: ZSZE 0x4000, ZCAP 0x3000); 2 vCPUs.
source /work/lib.sh
source /work/nvme_lib.sh
ns=/dev/nvme0n1 zs=16384
if [[ ! -b $ns ]]; then
  bad "no $ns"; nvme_dmesg; finish
fi
q=/sys/block/nvme0n1/queue
check "queue/zoned" "$(cat $q/zoned)" host-managed
check "chunk_sectors (zone size)" "$(cat $q/chunk_sectors)" $zs
check "nr_zones" "$(cat $q/nr_zones)" 32
check "max_open_zones" "$(cat $q/max_open_zones)" 8
check "max_active_zones" "$(cat $q/max_active_zones)" 12
check "zone_append_max_bytes (ZASL 0 = MDTS 512 KiB)" "$(cat $q/zone_append_max_bytes)" 524288
check "I/O queues" "$(ls /sys/block/nvme0n1/mq | wc -l)" 2
echo "--- blkzone report (first 3)"; blkzone report -c 3 $ns
check "blkzone: 32 zones" "$(blkzone report $ns | wc -l)" 32
check "blkzone: all empty, cap 6 MiB" "$(blkzone report $ns | grep -c 'cap 0x003000.*zcond: 1(em)')" 32

echo "--- nvme zns id-ctrl / id-ns"
idc="$(nvme zns id-ctrl $ns)" || bad "nvme zns id-ctrl"
echo "$idc"
check "zasl" "$(field "$idc" zasl)" 0
idn="$(nvme zns id-ns $ns)" || bad "nvme zns id-ns"
echo "$idn"
check "zoc" "$(field "$idn" zoc)" 0
check "mar (0's based)" "$(field "$idn" mar)" 0xb
check "mor (0's based)" "$(field "$idn" mor)" 0x7
check "lbafe 0 zsze" "$(echo "$idn" | grep -c 'lbafe *0: zsze:0x4000 zdes:0 (in use)')" 1

echo "--- zone-mgmt-send and report-zones"
run "open zone 1" nvme zns open-zone $ns -s $zs
run "write zone 2 (4 KiB)" dd if=/dev/urandom of=$ns bs=4096 count=1 seek=$((2 * zs / 8)) oflag=direct status=none
rep="$(nvme zns report-zones $ns -d 4)" || bad "nvme zns report-zones"
echo "$rep"
check "report nr_zones (all 32 without partial)" "$(echo "$rep" | sed -n 's/^nr_zones: *//p')" 32
check "report lists 4 descriptors" "$(echo "$rep" | grep -c '^SLBA')" 4
check "zone 1 explicitly open (blkzone)" "$(zone_cond $ns $zs)" oe
check "zone 2 implicitly open, wp +8" "$(zone_cond $ns $((2 * zs))) $(zone_wp $ns $((2 * zs)))" "oi 0x000008"
rep="$(nvme zns report-zones $ns -S 3)" && echo "$rep"
check "report --state 3 (explicitly open)" "$(echo "$rep" | grep -c '^SLBA')" 1
run "close zone 1" nvme zns close-zone $ns -s $zs
run "finish zone 2" nvme zns finish-zone $ns -s $((2 * zs))
check "zone 1 after close (nothing written: empty)" "$(zone_cond $ns $zs)" em
check "zone 2 after finish" "$(zone_cond $ns $((2 * zs)))" fu
if nvme zns open-zone $ns -s $((2 * zs)) 2>/tmp/err; then bad "open of a full zone succeeded"; else
  ok "open of a full zone refused: $(head -1 /tmp/err)"; fi
run "reset zone 2" nvme zns reset-zone $ns -s $((2 * zs))
check "zone 2 after reset" "$(zone_cond $ns $((2 * zs)))" em

echo "--- zone-append"
yes zns-append-1 | head -c 4096 >/tmp/a1
yes zns-append-2 | head -c 4096 >/tmp/a2
o1="$(nvme zns zone-append $ns -s $((3 * zs)) -z 4096 -d /tmp/a1)"; echo "$o1"
o2="$(nvme zns zone-append $ns -s $((3 * zs)) -z 4096 -d /tmp/a2)"; echo "$o2"
l1="${o1##* }" l2="${o2##* }"
# nvme-cli prints the ALBA in hex (with or without 0x) or decimal, by version.
alba_is() { [[ "$1" == "$2" || "$1" == "0x$2" || "$1" == "$((16#$2))" ]]; }
if alba_is "$l1" c000; then ok "first append at ZSLBA 0xc000"; else bad "first append ALBA '$l1', want 0xc000"; fi
if alba_is "$l2" c008; then ok "second append at 0xc008"; else bad "second append ALBA '$l2', want 0xc008"; fi
check "appended data 1" "$(dd if=$ns bs=4096 skip=$((3 * zs / 8)) count=1 iflag=direct status=none | md5sum)" \
  "$(md5sum </tmp/a1)"
check "appended data 2" "$(dd if=$ns bs=4096 skip=$((3 * zs / 8 + 1)) count=1 iflag=direct status=none | md5sum)" \
  "$(md5sum </tmp/a2)"
check "zone 3 wp after two appends" "$(zone_wp $ns $((3 * zs)))" 0x000010
if nvme zns zone-append $ns -s $((3 * zs + 8)) -z 4096 -d /tmp/a1 >/dev/null 2>&1; then
  bad "append not at a zone start succeeded"; else ok "append not at a zone start refused"; fi
cz="$(nvme zns changed-zone-list $ns)"; st=$?; echo "$cz"
check "changed-zone-list exit status" "$st" 0
run "reset all" nvme zns reset-zone $ns -a
check "empty zones after reset all" "$(blkzone report $ns | grep -c 'zcond: 1(em)')" 32

echo "--- fio zonemode=zbd: 2 jobs x 8 zones, 64 KiB, QD 4, crc32c verify"
run "fio zbd write verify" fio --name=zbd --filename=$ns --direct=1 --zonemode=zbd --ioengine=libaio \
  --iodepth=4 --rw=write --bs=64k --numjobs=2 --offset=$((4 * 8))M --offset_increment=$((8 * 8))M \
  --size=64M --verify=crc32c --do_verify=1 --group_reporting --output=/tmp/zbd.txt
grep -E "WRITE:|READ:|err=" /tmp/zbd.txt
check "fio errors" "$(grep -c 'err= *[1-9]' /tmp/zbd.txt)" 0
check "full zones after fio (2 x 8)" "$(blkzone report $ns | grep -c 'zcond:14(fu)')" 16
grep nvme0q /proc/interrupts
for q in 1 2; do
  n="$(awk -v q="nvme0q$q" '$NF == q {s = 0; for (i = 2; i < NF - 2; i++) s += $i; print s}' /proc/interrupts)"
  check "interrupts on I/O queue $q > 0" "$(( ${n:-0} > 0 ))" 1
done
echo "--- random read over the written zones"
run "fio randread" fio --name=rr --filename=$ns --direct=1 --zonemode=zbd --ioengine=libaio --iodepth=8 \
  --rw=randread --bs=4k --offset=32M --size=128M --io_size=8M --output=/tmp/rr.txt
check "fio randread errors" "$(grep -c 'err= *[1-9]' /tmp/rr.txt)" 0
finish

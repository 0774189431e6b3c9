# Open and active limits on an NVMe ZNS namespace (issue 12): the same errors
# as on virtio-blk (zoned_sysfs_ops.sh, zoned_autoclose.sh): an explicit open
# beyond max-open is ETOOMANYREFS (Too Many Open Zones), a write activating a
# zone beyond max-active is EOVERFLOW (Too Many Active Zones); fio zbd with
# several jobs at iodepth > 1 over more zones than max-open succeeds because
# the device auto-closes implicitly open zones, with another CPU opening and
# closing a zone beside the writers.
# Disk (BUILD.bazel): nvme,file=lim.img,size=128M,zone-size=4M,zone-capacity=3M,
# max-open=4,max-active=6 (32 zones, 512-byte LBAs); 2 vCPUs, 2 I/O queues.
source /work/lib.sh
source /work/nvme_lib.sh
dev=/dev/nvme0n1 q=/sys/block/nvme0n1/queue
zs=8192  # sectors
if [[ ! -b $dev ]]; then
  bad "no $dev"; nvme_dmesg; finish
fi
check "queue/zoned" "$(cat $q/zoned)" host-managed
check "nr_zones" "$(cat $q/nr_zones)" 32
check "max_open_zones" "$(cat $q/max_open_zones)" 4
check "max_active_zones" "$(cat $q/max_active_zones)" 6
z() { echo $(($1 * zs)); }
open_re='zcond: *(2\(oi\)|3\(oe\))'

echo "--- open limit (max-open 4)"
for i in 10 11 12 13; do run "explicit open zone $i" blkzone open -o "$(z $i)" -c 1 $dev; done
out="$(blkzone open -o "$(z 14)" -c 1 $dev 2>&1)"; st=$?
if [[ $st -ne 0 && "$out" == *"Too many references"* ]]; then
  ok "5th explicit open fails with ETOOMANYREFS: $out"
else
  bad "5th explicit open: status $st, output '$out' (want ETOOMANYREFS, 'Too many references')"
fi
check "zone 14 still empty" "$(zone_cond $dev "$(z 14)")" em
check "explicitly open zones" "$(blkzone report $dev | grep -c 'zcond: 3(oe)')" 4
# A write to a fifth zone with all four open explicitly: no implicit zone to
# close, so the device refuses it too (Too Many Open Zones -> ETOOMANYREFS).
out="$(dd if=/dev/zero of=$dev bs=4096 count=1 seek=$(($(z 15) / 8)) oflag=direct 2>&1)"; st=$?
if [[ $st -ne 0 && "$out" == *"Too many references"* ]]; then
  ok "write opening a 5th zone with 4 explicitly open fails with ETOOMANYREFS"
else
  bad "write opening a 5th zone: status $st, output '$out' (want ETOOMANYREFS)"
fi
check "zone 15 still empty" "$(zone_cond $dev "$(z 15)")" em
run "reset all zones" blkzone reset $dev
check "explicitly open zones after reset all" "$(blkzone report $dev | grep -c 'zcond: 3(oe)')" 0

echo "--- active limit (max-active 6)"
for i in 16 17 18 19 20 21; do
  run "write zone $i" dd if=/dev/zero of=$dev bs=4096 count=1 seek=$(($(z $i) / 8)) oflag=direct status=none
done
check "active zones (open + closed)" "$(blkzone report $dev | grep -cE 'zcond: (2\(oi\)|4\(cl\))')" 6
check "open zones within max-open" "$(blkzone report $dev | grep -cE "$open_re")" 4
out="$(dd if=/dev/zero of=$dev bs=4096 count=1 seek=$(($(z 22) / 8)) oflag=direct 2>&1)"; st=$?
if [[ $st -ne 0 && "$out" == *"Value too large"* ]]; then
  ok "7th active zone write fails with EOVERFLOW: $(grep -m1 'Value too large' <<<"$out")"
else
  bad "7th active zone write: status $st, output '$out' (want EOVERFLOW, 'Value too large')"
fi
check "zone 22 still empty" "$(zone_cond $dev "$(z 22)")" em
out="$(blkzone open -o "$(z 23)" -c 1 $dev 2>&1)"; st=$?
if [[ $st -ne 0 && "$out" == *"Value too large"* ]]; then
  ok "explicit open of a 7th active zone fails with EOVERFLOW: $out"
else
  bad "explicit open of a 7th active zone: status $st, output '$out' (want EOVERFLOW)"
fi
run "finish zone 16 (frees an active slot)" blkzone finish -o "$(z 16)" -c 1 $dev
run "write zone 22 after the finish" dd if=/dev/zero of=$dev bs=4096 count=1 seek=$(($(z 22) / 8)) oflag=direct status=none
run "reset all zones" blkzone reset $dev
check "non-empty zones after reset all" "$(blkzone report $dev | grep -vc 'zcond: 1(em)')" 0

# The refusals above logged I/O errors on purpose; the fio run must log none.
dmesg -c >/dev/null
echo "--- fio zbd: 3 jobs, iodepth 4, 12 zones (max-open 4), crc32c verify; explicit opens beside them"
zbd_writers_with_opener $dev "$(z 31)"
check "zones 1-12 full" "$(blkzone report -o $zs -c 12 $dev | grep -c 'zcond:14(fu)')" 12
check "open zones within max-open" "$(( $(blkzone report $dev | grep -cE "$open_re") <= 4 ))" 1
check "kernel I/O errors" "$(dmesg | grep -ciE 'open zones exceeded|I/O error|nvme.*error')" 0
finish

# A host-managed emulated disk as Linux sees it, and zone operations.
# Disk (BUILD.bazel): 128M, zone-size 4M, zone-capacity 3M, 2 conventional
# zones, max-open 4, max-active 6, max-append 512K, 2 queues.
source /work/lib.sh
dev=/dev/vda q=/sys/block/vda/queue
zs=8192 cap=6144  # sectors

echo "--- sysfs"
check "queue/zoned" "$(cat $q/zoned)" host-managed
check "queue/chunk_sectors" "$(cat $q/chunk_sectors)" $zs
check "queue/nr_zones" "$(cat $q/nr_zones)" 32
check "queue/max_open_zones" "$(cat $q/max_open_zones)" 4
check "queue/max_active_zones" "$(cat $q/max_active_zones)" 6
check "queue/zone_append_max_bytes" "$(cat $q/zone_append_max_bytes)" 524288
check "size (sectors)" "$(cat /sys/block/vda/size)" 262144
check "queues (mq dirs)" "$(ls /sys/block/vda/mq | wc -l)" 2
check "serial" "$(cat /sys/block/vda/serial 2>/dev/null)" zvmm0

echo "--- blkzone report"
report="$(blkzone report $dev)"
check "zones reported" "$(wc -l <<<"$report")" 32
check "conventional zones (not-wp, cap = len)" \
  "$(grep -c 'len 0x002000, cap 0x002000, wptr 0x000000 .*zcond: 0(nw) \[type: 1(CONVENTIONAL)\]' <<<"$report")" 2
check "empty SWR zones with cap 3M" \
  "$(grep -c 'len 0x002000, cap 0x001800, wptr 0x000000 .*zcond: 1(em) \[type: 2(SEQ_WRITE_REQUIRED)\]' <<<"$report")" 30
check "first SWR zone start" "$(sed -n 3p <<<"$report" | sed -n 's/.*start: \(0x[0-9a-f]*\),.*/\1/p')" 0x000004000

echo "--- zone operations"
z() { echo $(($1 * zs)); }
run "open zone 2" blkzone open -o "$(z 2)" -c 1 $dev
check "zone 2 after open" "$(zone_cond $dev "$(z 2)")" oe
run "close zone 2" blkzone close -o "$(z 2)" -c 1 $dev
check "zone 2 after close (wp at start)" "$(zone_cond $dev "$(z 2)")" em
run "write 4K to zone 3" dd if=/dev/urandom of=$dev bs=4096 count=1 seek=$(($(z 3) / 8)) oflag=direct status=none
check "zone 3 after write" "$(zone_cond $dev "$(z 3)")" oi
check "zone 3 wp (relative)" "$(zone_wp $dev "$(z 3)")" 0x000008
run "close zone 3" blkzone close -o "$(z 3)" -c 1 $dev
check "zone 3 after close" "$(zone_cond $dev "$(z 3)")" cl
run "finish zone 3" blkzone finish -o "$(z 3)" -c 1 $dev
check "zone 3 after finish" "$(zone_cond $dev "$(z 3)")" fu
run "reset zone 3" blkzone reset -o "$(z 3)" -c 1 $dev
check "zone 3 after reset" "$(zone_cond $dev "$(z 3)")" em
check "zone 3 wp after reset" "$(zone_wp $dev "$(z 3)")" 0x000000
run "write to a conventional zone" dd if=/dev/urandom of=$dev bs=4096 count=4 seek=100 oflag=direct status=none
out="$(blkzone open -o 0 -c 1 $dev 2>&1)" && bad "opening a conventional zone succeeded" || ok "opening a conventional zone fails: $out"

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
run "reset all zones" blkzone reset $dev
check "explicitly open zones after reset all" "$(blkzone report $dev | grep -c 'zcond: 3(oe)')" 0

echo "--- active limit (max-active 6)"
for i in 16 17 18 19 20 21; do
  run "write zone $i" dd if=/dev/zero of=$dev bs=4096 count=1 seek=$(($(z $i) / 8)) oflag=direct status=none
done
check "active zones (open + closed)" "$(blkzone report $dev | grep -cE 'zcond: (2\(oi\)|4\(cl\))')" 6
out="$(dd if=/dev/zero of=$dev bs=4096 count=1 seek=$(($(z 22) / 8)) oflag=direct 2>&1)"; st=$?
if [[ $st -ne 0 && "$out" == *"Value too large"* ]]; then
  ok "7th active zone write fails with EOVERFLOW: $(grep -m1 'Value too large' <<<"$out")"
else
  bad "7th active zone write: status $st, output '$out' (want EOVERFLOW, 'Value too large')"
fi
check "zone 22 still empty" "$(zone_cond $dev "$(z 22)")" em
run "reset all zones" blkzone reset $dev
check "non-empty SWR zones after reset all" "$(blkzone report $dev | grep SEQ_WRITE | grep -vc 'zcond: 1(em)')" 0
finish

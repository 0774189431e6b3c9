# The demo's guest workload (runs inside the guest via /workload.sh): look at the
# zoned disk, run fio --zonemode=zbd on it, print a short summary.
set -u
dev=""
for d in /sys/block/*; do
  if [ "$(cat "$d/queue/zoned" 2>/dev/null)" = host-managed ]; then dev="/dev/${d##*/}"; break; fi
done
if [ -z "$dev" ]; then
  echo "demo: the guest sees no host-managed zoned disk"; ls /sys/block; exit 1
fi
q="/sys/block/${dev##*/}/queue"
zone_sectors=$(cat "$q/chunk_sectors")
zone_mib=$((zone_sectors / 2048))
nr_zones=$(cat "$q/nr_zones")
cap_sectors=$(blkzone report -c 1 "$dev" | sed -n 's/.*cap 0x\([0-9a-f]*\).*/\1/p' | head -n1)
cap_mib=$(( 0x${cap_sectors:-0} / 2048 ))

fio_terse() { fio --output-format=terse --terse-version=3 "$@" 2>/tmp/fio.err; }
seq_zones=8
seq=$(fio_terse --name=seqwrite --filename="$dev" --direct=1 --ioengine=psync --zonemode=zbd \
  --rw=write --bs=128k --offset=0 --size=$((seq_zones * zone_mib))M --verify=crc32c --do_verify=1)
seq_status=$?
rand=$(fio_terse --name=randread --filename="$dev" --direct=1 --ioengine=io_uring --iodepth=16 \
  --zonemode=zbd --rw=randread --bs=4k --offset=0 --size=$((seq_zones * zone_mib))M \
  --runtime=5 --time_based)
rand_status=$?
# terse v3: field 48 = write bandwidth KiB/s, field 8 = read IOPS.
seq_bw=$(echo "$seq" | awk -F';' '{printf "%.0f", $48 / 1024}')
rand_iops=$(echo "$rand" | awk -F';' '{print $8}')
# blkzone prints e.g. "zcond:14(fu)"; count zones per condition.
conds=$(blkzone report "$dev" | sed -n 's/.*zcond: *[0-9]*(\([a-z]*\)).*/\1/p' | sort | uniq -c |
  awk 'BEGIN { n["em"] = "empty"; n["oi"] = "implicitly open"; n["oe"] = "explicitly open";
               n["cl"] = "closed"; n["fu"] = "full"; n["ro"] = "read-only"; n["of"] = "offline" }
       { printf "%s%d %s", sep, $1, ($2 in n) ? n[$2] : $2; sep = ", " }')

echo
echo "=== zvmm demo summary ==="
printf '  %-18s %s\n' "guest kernel" "$(uname -r), $(nproc) vCPU, up $(cut -d' ' -f1 /proc/uptime) s"
printf '  %-18s %s\n' "zoned disk" "$dev: host-managed, $nr_zones zones of $zone_mib MiB (capacity $cap_mib MiB), max open $(cat "$q/max_open_zones"), max active $(cat "$q/max_active_zones")"
if [ $seq_status -eq 0 ]; then
  printf '  %-18s %s\n' "fio zbd seq write" "$seq_zones zones, 128 KiB blocks: $seq_bw MiB/s, verify crc32c ok"
else
  printf '  %-18s %s\n' "fio zbd seq write" "FAILED: $(tail -n 3 /tmp/fio.err)"
fi
if [ $rand_status -eq 0 ]; then
  printf '  %-18s %s\n' "fio zbd rand read" "4 KiB, io_uring QD16: $rand_iops IOPS"
else
  printf '  %-18s %s\n' "fio zbd rand read" "FAILED: $(tail -n 3 /tmp/fio.err)"
fi
printf '  %-18s %s\n' "zone conditions" "$conds"
[ $seq_status -eq 0 ] && [ $rand_status -eq 0 ]

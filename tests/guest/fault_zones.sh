# Boot-time zone faults (issue 13): --disk ...,readonly-zones=3,offline-zones=5
# on a zoned virtio-blk disk and an NVMe Zoned Namespace (BUILD.bazel). The
# guest sees them before it wrote anything: zone 3 read-only (reads zeros,
# writes and reset fail), zone 5 offline (reads and writes fail), zone 4
# between them an ordinary empty zone; fio --zonemode=zbd skips both.
source /work/lib.sh
zs=8192
dd_fails() {  # dd_fails ARGS...: the dd must fail with EIO
  if dd "$@" status=none 2>/tmp/err; then echo "succeeded"; else grep -o "Input/output error" /tmp/err || cat /tmp/err; fi
}
for dev in /dev/vda /dev/nvme0n1; do
  [[ -b $dev ]] || { bad "no $dev"; continue; }
  l=${dev#/dev/}
  check "$l zone 3 condition" "$(zone_cond $dev $((3 * zs)))" ro
  check "$l zone 4 condition" "$(zone_cond $dev $((4 * zs)))" em
  check "$l zone 5 condition" "$(zone_cond $dev $((5 * zs)))" of
  check "$l read of read-only zone 3 (zeros)" \
    "$(dd if=$dev bs=4096 skip=$((3 * zs / 8)) count=4 iflag=direct status=none | tr -d '\0' | wc -c)" 0
  check "$l write to read-only zone 3" "$(dd_fails if=/dev/zero of=$dev bs=4096 seek=$((3 * zs / 8)) count=1 oflag=direct)" \
    "Input/output error"
  if blkzone reset -o $((3 * zs)) -c 1 $dev 2>/dev/null; then bad "$l reset of read-only zone 3 succeeded"; else ok "$l reset of read-only zone 3 fails"; fi
  check "$l read of offline zone 5" "$(dd_fails if=$dev of=/dev/null bs=4096 skip=$((5 * zs / 8)) count=1 iflag=direct)" \
    "Input/output error"
  check "$l write to offline zone 5" "$(dd_fails if=/dev/zero of=$dev bs=4096 seek=$((5 * zs / 8)) count=1 oflag=direct)" \
    "Input/output error"
  run "$l write to zone 4" dd if=/dev/zero of=$dev bs=4096 seek=$((4 * zs / 8)) count=1 oflag=direct status=none
  check "$l zone 4 after the write" "$(zone_cond $dev $((4 * zs)))" oi
  check "$l zones read-only / offline in the whole report" \
    "$(blkzone report $dev | grep -c 'zcond:13(ro)') $(blkzone report $dev | grep -c 'zcond:15(of)')" "1 1"
  # fio --zonemode=zbd over zones 2-9: it skips the read-only and offline
  # zones (fio's zbd.c: only zones it can write are picked) and fills the six
  # others without an error.
  blkzone reset -o $((4 * zs)) -c 1 $dev
  run "$l fio zbd write over zones 2-9" fio --name=zbd --filename=$dev --direct=1 --ioengine=psync \
    --zonemode=zbd --rw=write --bs=64k --offset=8M --size=32M --output=/tmp/fio-$l.txt
  grep -E "err=|WRITE:" /tmp/fio-$l.txt
  check "$l fio errors" "$(grep -c 'err= *[1-9]' /tmp/fio-$l.txt)" 0
  check "$l fio wrote the six usable zones" "$(grep -o 'io=[0-9.]*MiB' /tmp/fio-$l.txt | head -1)" "io=24.0MiB"
  check "$l zones 2-9 after fio" "$(blkzone report -o $((2 * zs)) -c 8 $dev | sed -n 's/.*zcond: *[0-9]*(\([a-z]*\)).*/\1/p' | tr '\n' ' ')" \
    "fu ro fu of fu fu fu fu "
done
finish

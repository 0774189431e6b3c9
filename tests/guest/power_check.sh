# Power cut, boot 2 (control_host.sh): the flushed data is there, no zone is
# open, zone 9's write pointer covers only data that is there, and the zone
# set offline before is still offline.
source /work/lib.sh
dev=/dev/vda zs=8192
yes zvmm-power | head -c $((1024 * 1024)) >/tmp/p
blkzone report -c 12 $dev
check "zone 7 wp (relative)" "$(zone_wp $dev $((7 * zs)))" 0x000800
check "zone 7 data" "$(dd if=$dev bs=65536 skip=$((7 * zs / 128)) count=16 iflag=direct status=none | sha256sum)" \
  "$(sha256sum </tmp/p)"
check "zone 8 (open without data before the cut)" "$(zone_cond $dev $((8 * zs)))" em
check "open zones" "$(blkzone report $dev | grep -cE 'zcond: *[23]\(')" 0
wp9=$(( $(zone_wp $dev $((9 * zs))) ))
if (( wp9 > 0 )); then
  check "zone 9 data up to its wp" "$(dd if=$dev bs=512 skip=$((9 * zs)) count=$wp9 iflag=direct status=none | sha256sum)" \
    "$(head -c $((wp9 * 512)) /tmp/p | sha256sum)"
fi
ok "zone 9 wp after the cut: $wp9 sectors"
check "zone 3 still offline" "$(zone_cond $dev $((3 * zs)))" of
finish

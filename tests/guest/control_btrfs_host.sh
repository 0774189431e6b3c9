# btrfs zoned with an offline zone (issue 13), virtio-blk and NVMe ZNS: the
# guest (btrfs_offline.sh) makes the file system, writes four files and
# names the zone holding f2's data; the host sets that zone offline with
# zvmm-ctl; the guest then mounts (plain and ro,rescue=all) and checks that
# btrfs reports the zone and that no file reads back wrong data.
source "$ZVMM_HOST_LIB"
control_socket

boot_guest btrfs_offline --disk virtio-blk,file=b.img,size=256M,zone-size=8M,max-open=14,max-active=14 \
  --disk nvme,file=bn.img,size=256M,zone-size=8M,max-open=14,max-active=14,zoned=hm --control "$sock" &
wait_socket
for d in vda nvme0n1; do
  wait_for_line btrfs_offline "BTRFS-ZONE $d " 900 || { hbad "no BTRFS-ZONE line for $d"; break; }
  z="$(grep -a "^BTRFS-ZONE $d " btrfs_offline.log | tr -d '\r' | awk '{print $3}')"
  if (( z > 1 )); then
    out="$(ctl zone-set-condition $d $z offline)"
    [[ "$out" == "zone $z: offline, wp "* ]] && hok "$d: $out" || hbad "$d: zone-set-condition $z offline: $out"
    eval "zone_$d=$z"
  else
    hbad "$d: the guest found no zone with f2's data"
  fi
done
wait %1; status=$?
hcheck "zvmm exit status (guest checks)" "$status" 0
hcheck "b.img: zone $zone_vda at rest" "$(zvmm_zones report b.img | awk -v z=$zone_vda '$2 == z {print $NF}')" offline
hcheck "bn.img: zone $zone_nvme0n1 at rest" "$(zvmm_zones report bn.img | awk -v z=$zone_nvme0n1 '$2 == z {print $NF}')" offline
host_finish

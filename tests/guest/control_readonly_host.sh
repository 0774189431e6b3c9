# A zone set read-only at run time (issue 13), virtio-blk and NVMe ZNS: while
# the guest runs (ro_set.sh), zvmm-ctl zone-set-condition makes zone 3 of vda
# and of nvme0n1 read-only; the guest sees it in blkzone report, reads its
# data, and gets EIO for a write and failures for reset and finish. The images
# at rest show the zone read-only, and a second boot on them (ro_after.sh)
# finds it read-only with the same data and the same refusals.
source "$ZVMM_HOST_LIB"
control_socket
disks=(--disk virtio-blk,file=ro.img,size=64M,zone-size=4M,max-open=4
       --disk nvme,file=ron.img,size=64M,zone-size=4M,zoned=hm)

boot_guest ro_set "${disks[@]}" --control "$sock" &
wait_socket
ctl --timeout 600 --wait-event ZONE_CONDITION_CHANGED >event.json &
waiter=$!
wait_for_line ro_set RO-STEP-1 600 || hbad "no RO-STEP-1"
ctl zone-set-condition vda 3 read-only
ctl zone-set-condition nvme0n1 3 read-only
hcheck "query-zones vda 3" "$(ctl query-zones vda --zone 3 --count 1 | awk 'NR > 2 {print $NF}')" read-only
hcheck "query-zones nvme0n1 3" "$(ctl query-zones nvme0n1 --zone 3 --count 1 | awk 'NR > 2 {print $NF}')" read-only
wait $waiter
grep -q '"condition":"read-only"' event.json && hok "ZONE_CONDITION_CHANGED: $(cat event.json)" ||
  hbad "ZONE_CONDITION_CHANGED: $(cat event.json)"
wait %1; status=$?
hcheck "boot 1: zvmm exit status (guest checks)" "$status" 0
for img in ro.img ron.img; do
  zvmm_zones report $img | head -8
  hcheck "$img zone 3 at rest" "$(zvmm_zones report $img | awk '$2 == 3 {print $NF}')" read-only
done
expect_boot "boot 2 (restart on the same images)" ro_after "${disks[@]}"
for img in ro.img ron.img; do
  hcheck "$img zone 3 after boot 2" "$(zvmm_zones report $img | awk '$2 == 3 {print $NF}')" read-only
done
host_finish

# Host side of issue 9 part 2: a new zvmm on an image is a power cycle of the
# device, after a clean exit and after kill -9 (docs/zoned-model.md, Restart).
source "$ZVMM_HOST_LIB"
expect_boot "boot 1" restart_open \
  --disk virtio-blk,file=m12.img,size=128M,zoned=hm,zone-size=4M,zone-capacity=3M,max-open=2
# Same disk, no geometry: the image keeps its own.
expect_boot "boot 2" restart_check --disk virtio-blk,file=m12.img

echo "=== boot 3: SIGKILL with zones open"
boot_guest restart_kill --disk virtio-blk,file=m12.img &
for _ in $(seq 240); do grep -aq RESTART-READY-FOR-SIGKILL restart_kill.log 2>/dev/null && break; sleep 0.5; done
grep -aq RESTART-READY-FOR-SIGKILL restart_kill.log || hbad "boot 3 never got ready"
zvmm_pid="$(pidof zvmm)"
[[ -n "$zvmm_pid" ]] && kill -KILL $zvmm_pid
wait %1; status=$?
hcheck "zvmm exit status after SIGKILL" "$status" 137
zvmm_zones report m12.img | sed -n 4,9p
hcheck "zvmm-zones: open zones after SIGKILL" \
  "$(zvmm_zones report m12.img | grep -cE 'open|implicit|explicit')" 0
hcheck "zvmm-zones: zone 7" "$(zvmm_zones report m12.img | awk '$2 == 7 {print $NF}')" closed
expect_boot "boot 4" restart_after_kill --disk virtio-blk,file=m12.img
host_finish

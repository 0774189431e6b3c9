# Host side of issue 12's restart rule on a Zoned Namespace: a new zvmm on
# the image is a power cycle (no zone open afterwards, data and write
# pointers kept), after a clean exit and after SIGKILL.
source "$ZVMM_HOST_LIB"
disk=nvme,file=zr.img,size=64M,zone-size=4M,zone-capacity=3M,max-open=3,max-active=6
expect_boot "boot 1" nvme_zns_restart_open --disk $disk
zvmm_zones report zr.img | sed -n 1,8p
hcheck "zvmm-zones: open zones after boot 1" "$(zvmm_zones report zr.img | grep -cE 'open|implicit|explicit')" 0

echo "=== boot 2: SIGKILL with zones open"
boot_guest nvme_zns_restart_kill --disk nvme,file=zr.img &
for _ in $(seq 240); do grep -aq RESTART-READY-FOR-SIGKILL nvme_zns_restart_kill.log 2>/dev/null && break; sleep 0.5; done
grep -aq RESTART-READY-FOR-SIGKILL nvme_zns_restart_kill.log || hbad "boot 2 never got ready"
zvmm_pid="$(pidof zvmm)"
[[ -n "$zvmm_pid" ]] && kill -KILL $zvmm_pid
wait %1; status=$?
hcheck "zvmm exit status after SIGKILL" "$status" 137
zvmm_zones report zr.img | sed -n 1,10p
hcheck "zvmm-zones: open zones after SIGKILL" "$(zvmm_zones report zr.img | grep -cE 'open|implicit|explicit')" 0
expect_boot "boot 3" nvme_zns_restart_check --disk nvme,file=zr.img
host_finish

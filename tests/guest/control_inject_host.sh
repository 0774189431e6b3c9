# inject-error under fio verify (issue 13), virtio-blk and NVMe ZNS: the guest
# (inject_fio.sh) writes zones 2-5 with fio; the host injects read errors on
# 64 sectors of zone 3 of vda and nvme0n1; fio's verify must fail exactly
# the 8 blocks in the range and nothing else; query-disks' injected-errors
# must match what the guest counted (NVMe: each failed read is tried 1 +
# nvme_core.max_retries times by Linux, as the injected Unrecovered Read Error
# has no DNR); clear-errors restores service.
source "$ZVMM_HOST_LIB"
control_socket
injected() { ctl --json query-disks | grep -o '"injected-errors": [0-9]*' | grep -o '[0-9]*$' | xargs; }
log_value() { grep -a "^$1 " inject_fio.log | tr -d '\r' | awk '{print $NF}' | tail -1; }

boot_guest inject_fio --disk virtio-blk,file=i.img,size=64M,zone-size=4M,max-open=4 \
  --disk nvme,file=in.img,size=64M,zone-size=4M,zoned=hm --control "$sock" &
wait_socket
wait_for_line inject_fio INJ-READY 600 || hbad "no INJ-READY"
hcheck "injected-errors before (vda nvme0n1)" "$(injected)" "0 0"
hcheck "inject-error vda" "$(ctl inject-error vda sector=$((3 * 8192 + 1024)) sectors=64 operation=read)" "fault 1 armed"
hcheck "inject-error nvme0n1" "$(ctl inject-error nvme0n1 sector=$((3 * 8192 + 1024)) sectors=64 operation=read)" "fault 1 armed"
ctl zone-finish vda 15
wait_for_line inject_fio INJ-COUNTED 600 || hbad "no INJ-COUNTED"
ctl query-disks
read -r inj_vda inj_nvme <<<"$(injected)"
guest_vda="$(log_value "GUEST-ERRORS vda")" guest_nvme="$(log_value "GUEST-ERRORS nvme0n1")"
retries="$(log_value NVME-MAX-RETRIES)"
hcheck "vda: injected-errors = the guest's fio errors" "$inj_vda" "$guest_vda"
hcheck "vda: injected-errors" "$inj_vda" 8
hcheck "nvme0n1: the guest's fio errors" "$guest_nvme" 8
hcheck "nvme0n1: injected-errors = fio errors x (1 + max_retries $retries)" "$inj_nvme" "$((guest_nvme * (1 + retries)))"
hcheck "clear-errors" "$(ctl clear-errors)" "2 fault(s) cleared"
ctl zone-finish vda 14
wait %1; status=$?
hcheck "zvmm exit status (guest checks)" "$status" 0
host_finish

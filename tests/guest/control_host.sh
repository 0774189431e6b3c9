# Control socket, host side (issue 13): zvmm runs with --control while the
# guest runs control_faults.sh; zvmm-ctl sets a zone offline, injects read
# errors (on a virtio-blk disk and an NVMe zoned namespace), clears them, and compares query-zones with the guest's blkzone
# report. Then a power cut with a zone open: exit status 9, and the next boot
# (power_check.sh) finds the flushed data and no open zone.
source "$ZVMM_HOST_LIB"
# A Unix socket path holds at most 107 bytes; the test's working directory
# under Bazel's output base can be longer than that.
control_socket
disk="virtio-blk,file=c.img,size=64M,zone-size=4M,max-open=4"

boot_guest control_faults --disk "$disk" --disk nvme,file=cz.img,size=64M,zone-size=4M --control "$sock" &
wait_socket
hcheck "socket mode" "$(stat -c %a "$sock")" 600
ctl --timeout 900 --wait-event GUEST_STATUS >guest_status.json &
waiter=$!
wait_for_line control_faults CONTROL-STEP-1 600 || hbad "no CONTROL-STEP-1"
ctl zone-set-condition vda 3 offline
ctl zone-set-condition nvme0n1 2 offline
wait_for_line control_faults CONTROL-STEP-2 300 || hbad "no CONTROL-STEP-2"
ctl inject-error vda sector=$((5 * 8192)) sectors=64 operation=read
ctl inject-error nvme0n1 sector=$((4 * 8192)) sectors=64 operation=read
wait_for_line control_faults CONTROL-STEP-3 300 || hbad "no CONTROL-STEP-3"
ctl query-disks
injected="$(ctl --json query-disks | grep -o '"injected-errors": [0-9]*' | grep -o '[0-9]*$' | xargs)"
read -r inj_vda inj_nvme <<<"$injected"
(( inj_vda >= 1 && inj_nvme >= 1 )) && hok "injected errors counted: vda $inj_vda, nvme0n1 $inj_nvme" ||
  hbad "injected-errors = '$injected'"
ctl clear-errors
ctl zone-finish vda 15
ctl query-zones vda | tee host_zones.txt
wait %1; status=$?
hcheck "zvmm exit status (guest checks)" "$status" 0
wait $waiter
hcheck "GUEST_STATUS event" "$(cat guest_status.json)" '{"status":0}'
[[ -e "$sock" ]] && hbad "socket left after exit" || hok "socket removed at exit"

# The guest's report against query-zones: condition of every zone, write
# pointer (relative, as blkzone prints it) where one is defined.
abbrev() {
  case "$1" in
    empty) echo em ;; implicit-open) echo oi ;; explicit-open) echo oe ;; closed) echo cl ;;
    full) echo fu ;; read-only) echo ro ;; offline) echo of ;; not-wp) echo nw ;; *) echo "?" ;;
  esac
}
# (the emulated host has no python: zvmm-ctl's table, ZONE START LEN CAP WP TYPE CONDITION)
host_rows="$(awk 'NR > 2 {print $2, $7, $5 - $2}' host_zones.txt)"
hcheck "query-zones rows" "$(wc -l <<<"$host_rows")" 16
guest_rows="$(grep -a '^GUEST-ZONE ' control_faults.log | tr -d '\r' |
  sed -E 's/.*start: (0x[0-9a-f]+),.*wptr (0x[0-9a-f]+).*zcond: *[0-9]+\(([a-z]+)\).*/\1 \3 \2/' |
  while read -r start cond wp; do echo "$((start)) $cond $((wp))"; done)"
hcheck "guest report zones" "$(wc -l <<<"$guest_rows")" 16
mismatch=0
while read -r start cond wp; do
  g="$(awk -v s="$start" '$1 == s' <<<"$guest_rows")"
  want_cond="$(abbrev "$cond")"
  read -r _ gcond gwp <<<"$g"
  if [[ "$gcond" != "$want_cond" ]]; then hbad "zone at $start: guest $gcond, query-zones $cond"; mismatch=1; continue; fi
  case "$cond" in offline|read-only) ;; *)
    [[ "$gwp" == "$wp" ]] || { hbad "zone at $start: guest wp $gwp, query-zones $wp"; mismatch=1; } ;;
  esac
done <<<"$host_rows"
[[ "$mismatch" -eq 0 ]] && hok "query-zones matches the guest's blkzone report"
hcheck "zone 3 offline in the image" "$(zvmm_zones report c.img | awk '$2 == 3 {print $NF}')" offline

# Power cut.
boot_guest power_write --disk virtio-blk,file=c.img --control "$sock" &
wait_socket
wait_for_line power_write POWER-READY 600 || hbad "no POWER-READY"
hcheck "zone 8 open before the cut" "$(ctl query-zones vda --zone 8 --count 1 | awk 'NR > 2 {print $NF}')" explicit-open
ctl --wait-event SHUTDOWN power-cut
wait %1; status=$?
hcheck "zvmm exit status after power-cut" "$status" 9
hcheck "open zones in the image after the cut" "$(zvmm_zones report c.img | grep -cE 'open')" 0
expect_boot "after the power cut" power_check --disk virtio-blk,file=c.img
host_finish

# power-cut during writes, 20 times (issue 13), virtio-blk and NVMe ZNS: each
# boot (pc_boot.sh) writes numbered 4 KiB blocks with a flush after every 8
# and prints the sector count acknowledged after each flush (ACK DISK N),
# while fio writes to other zones; the host cuts the power (zvmm-ctl
# power-cut) after a random number of acknowledgements and a random delay.
# The next boot must find at least every acknowledged sector, exactly the
# numbered blocks up to the write pointer, zeros after it and no open zone
# (pc_lib.sh); the images at rest have no open zone either.
source "$ZVMM_HOST_LIB"
control_socket 0.1
disks=(--disk virtio-blk,file=pc.img,size=16M,zone-size=512K,max-open=4
       --disk nvme,file=pcn.img,size=16M,zone-size=512K,zoned=hm)
cuts=${PC_CUTS:-20}  # power_cut_quick_test sets 2
acked_vda=0 acked_nvme0n1=0
# The last complete ACK: the cut may stop the console mid-line, and zvmm's own
# message then follows on the same line ("ACK vda 32zvmm: power cut ...", or
# "ACK vda 320\rzvmm: ..." when the cut fell between the tty's \r and \n).
# A complete number has the tty's \r right after it; the rest is ignored.
last_ack() { sed -n "s/^ACK $2 \([0-9][0-9]*\)"$'\r'".*/\1/p" "$1" | tail -1; }
acks() { grep -ac "^ACK $2 " "$1"; }
# check_recovery LOG WHAT: the boot's report against the previous boot's acknowledgements.
check_recovery() {
  local log=$1 what=$2 d got
  for d in vda nvme0n1; do
    got="$(grep -a "^PC-RECOVERED $d " "$log" | tr -d '\r' | awk '{print $3}' | tail -1)"
    local acked_var=acked_$d
    if [[ -z "$got" ]]; then hbad "$what $d: no PC-RECOVERED line"; continue; fi
    (( got >= ${!acked_var} )) && hok "$what $d: $got sectors recovered >= ${!acked_var} acknowledged" ||
      hbad "$what $d: $got sectors recovered < ${!acked_var} acknowledged"
    hcheck "$what $d: guest's check" "$(grep -a "^PC-CHECK $d " "$log" | tr -d '\r' | awk '{print $3}')" ok
  done
  hcheck "$what: FAIL lines in the guest" "$(grep -ac '^FAIL' "$log")" 0
}
t0=$SECONDS
for ((i = 1; i <= cuts; i++)); do
  tb=$SECONDS
  boot_guest pc_boot "${disks[@]}" --control "$sock" >/dev/null &
  bpid=$!
  wait_socket
  if ! wait_for_line pc_boot PC-WRITING 300; then
    hbad "boot $i: no PC-WRITING after $((SECONDS - tb)) s; the console's end and zvmm's view:"
    tail -60 pc_boot.log | tr -d '\r'
    ctl query-disks; ctl query-zones vda --count 26; ctl query-zones nvme0n1 --count 26
  fi
  tw=$((SECONDS - tb))
  cp pc_boot.log boot$i.log
  check_recovery pc_boot.log "boot $i"
  # Cut after 1-4 acknowledgements on each disk and a further 0-400 ms.
  want=$((RANDOM % 4 + 1))
  for _ in $(seq 600); do
    (( $(acks pc_boot.log vda) >= want && $(acks pc_boot.log nvme0n1) >= want )) && break
    grep -aq "PC-WRITE-ERROR\|PC-FULL" pc_boot.log && break
    sleep 0.05
  done
  sleep "0.$((RANDOM % 4))$((RANDOM % 10))"
  ctl power-cut >/dev/null
  wait $bpid; status=$?
  cp pc_boot.log boot$i.log
  grep -a "FAIL\|^PC-\|^[a-z0-9]*: zone" boot$i.log | tr -d '\r'
  hcheck "boot $i: zvmm exit status after power-cut" "$status" 9
  grep -a "PC-WRITE-ERROR\|PC-FULL" pc_boot.log && hbad "boot $i: the writer stopped early"
  for d in vda nvme0n1; do
    a="$(last_ack pc_boot.log $d)"; [[ -n "$a" ]] && eval "acked_$d=$a"
  done
  echo "boot $i: checked and writing after $tw s, cut after $want+ acks at $((SECONDS - tb)) s;" \
    "acknowledged vda $acked_vda, nvme0n1 $acked_nvme0n1 sectors; $((SECONDS - t0)) s so far"
  for img in pc.img pcn.img; do
    hcheck "boot $i: open zones in $img at rest" "$(zvmm_zones report $img | grep -cE 'open')" 0
  done
done
expect_boot "the boot after cut $cuts" pc_final "${disks[@]}"
check_recovery pc_final.log "after cut $cuts"
echo "power_cut_test: $cuts cuts and $((cuts + 1)) boots in $((SECONDS - t0)) s"
(( acked_vda > 0 && acked_nvme0n1 > 0 )) && hok "data was acknowledged on both disks" || hbad "nothing acknowledged"
host_finish

# control_abuse_test, guest side: fio zbd write + crc32c verify on vda and
# nvme0n1 at once, run after run, while the host abuses the control socket;
# stops once the host finishes zone 15 of vda (its signal). Every run must be
# clean.
source /work/lib.sh
runs=0 dirty=0
echo ABUSE-FIO-START
while [[ "$(zone_cond /dev/vda $((15 * 8192)))" != fu ]] && (( runs < 100 )); do
  for d in vda nvme0n1; do
    fio --name=abuse-$d --filename=/dev/$d --direct=1 --zonemode=zbd --ioengine=libaio --iodepth=4 --rw=write \
      --bs=64k --offset=0 --size=16M --verify=crc32c >/tmp/fio-$d.txt 2>&1 &
  done
  for d in vda nvme0n1; do
    wait -n; s=$?
    (( s == 0 )) || { bad "run $runs: a fio exited with $s"; dirty=$((dirty + 1)); }
  done
  for d in vda nvme0n1; do
    grep -q 'err= *[1-9]\|verify:' /tmp/fio-$d.txt && { bad "run $runs: fio on $d saw errors"; cat /tmp/fio-$d.txt; dirty=$((dirty + 1)); }
  done
  runs=$((runs + 1))
  echo "ABUSE-FIO-RUN $runs"
done
echo "ABUSE-FIO-RUNS $runs"
check "fio runs with errors" "$dirty" 0
(( runs < 100 )) && ok "stopped by the host after $runs run(s)" || bad "no signal from the host after $runs runs"
finish

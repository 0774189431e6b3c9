# The control socket under abuse during guest I/O (issue 13): while the guest
# (abuse_fio.sh) runs fio write+verify on a zoned virtio-blk disk and an NVMe
# ZNS namespace, clients send garbage, leave a half message hanging, send a
# 10 MiB line, and 50 clients connect at once (half of them negotiate and run
# query-status, half leave at once). zvmm answers each with an error or a
# reply, stays alive, holds as many fds afterwards as before, and every fio
# run in the guest is clean.
source "$ZVMM_HOST_LIB"
control_socket
raw() { zvmm_ctl --timeout 30 --raw "$sock"; }

boot_guest abuse_fio --disk virtio-blk,file=a.img,size=64M,zone-size=4M,max-open=4 \
  --disk nvme,file=an.img,size=64M,zone-size=4M,zoned=hm --control "$sock" &
wait_socket
wait_for_line abuse_fio ABUSE-FIO-START 600 || hbad "no ABUSE-FIO-START"
zpid="$(pidof zvmm)"
hcheck "one zvmm process" "$(wc -w <<<"$zpid")" 1
fds() { ls /proc/$zpid/fd | wc -l; }
fds_before="$(fds)"
echo "zvmm pid $zpid holds $fds_before fds"
t0=$SECONDS

# Garbage before and after negotiation: an error for each, the connection stays.
out="$(printf 'garbage\n\x00\xff{]\n{"execute":"qmp_capabilities"}\n[1,2]\n{"execute":42}\n{"execute":"query-status","id":"after"}\n' | raw)"
echo "$out"
hcheck "garbage: greeting + replies" "$(grep -c . <<<"$out")" 7
hcheck "garbage: error replies" "$(grep -c '"error"' <<<"$out")" 4
grep -q '"id":"after"' <<<"$out" && hok "garbage: the connection still answers" || hbad "garbage: no answer after it"
# A half message left hanging for 8 s while the rest goes on.
(printf '{"execute":"qmp_capabilities"}\n{"execute": "query-st'; sleep 8) | raw >half.out &
half=$!
# A 10 MiB line: an error, then zvmm closes the connection.
head -c $((10 << 20)) /dev/zero | tr '\0' x >big.txt
out="$(raw <big.txt 2>big.err)"
grep -q 'message longer than' <<<"$out" && hok "10 MiB line: $(tail -1 <<<"$out")" || hbad "10 MiB line: $out $(cat big.err)"
# 50 clients at once: odd ones negotiate and ask query-status, even ones
# connect and leave without a word.
pids=()
for i in $(seq 50); do
  if (( i % 2 )); then ctl query-status >client$i.out 2>&1 & else raw </dev/null >client$i.out 2>&1 & fi
  pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait $p || failed=$((failed + 1)); done
hcheck "50 clients: exit statuses != 0" "$failed" 0
hcheck "50 clients: query-status answers" "$(cat client*.out | grep -c '^running$')" 25
hcheck "50 clients: greetings to those that left" "$(cat client*.out | grep -c '"QMP"')" 25
wait $half
hcheck "half message: greeting + negotiation, nothing for the half" "$(grep -c . half.out)" 2
echo "abuse took $((SECONDS - t0)) s"
grep -aq "ABUSE-FIO-RUNS" abuse_fio.log && hbad "fio had stopped before the abuse ended" ||
  hok "fio ran during the abuse ($(grep -ac 'ABUSE-FIO-RUN ' abuse_fio.log) run(s) finished so far)"

hcheck "query-status after the abuse" "$(ctl query-status)" running
for _ in $(seq 40); do [[ "$(fds)" == "$fds_before" ]] && break; sleep 0.25; done
hcheck "zvmm's fds after the abuse" "$(fds)" "$fds_before"
kill -0 "$zpid" 2>/dev/null && hok "zvmm alive" || hbad "zvmm died"
ctl zone-finish vda 15 >/dev/null  # tells the guest to stop
wait %1; status=$?
hcheck "zvmm exit status (guest: every fio run clean)" "$status" 0
host_finish

# Host side: zone state and data survive zvmm exiting (and SIGTERM).
source "$ZVMM_HOST_LIB"
disk="virtio-blk,file=persist.img,size=64M,zone-size=4M,max-open=4"
expect_boot "run 1" persist_write --disk "$disk"
zvmm_zones report persist.img | sed -n 2,3p
hcheck "zvmm-zones: zone 1" "$(zvmm_zones report persist.img | awk '$2 == 1 {print $NF}')" full
hcheck "zvmm-zones: zone 2 wp" "$(zvmm_zones report persist.img | awk '$2 == 2 {print $10}')" $((2 * 8192 + 2056))
expect_boot "run 2" persist_read --disk "$disk"
hcheck "write pointers run 1 vs run 2" "$(grep -a '^PERSIST-WP' persist_write.log | md5sum)" \
  "$(grep -a '^PERSIST-WP' persist_read.log | md5sum)"
sha1="$(grep -a '^PERSIST-SHA' persist_write.log)" sha2="$(grep -a '^PERSIST-SHA' persist_read.log)"
hcheck "data checksum run 1 vs run 2" "$sha2" "$sha1"
hcheck "data checksum vs the pattern" "${sha1#PERSIST-SHA }" \
  "$(grep -a '^PERSIST-PATTERN-SHA' persist_write.log | sed 's/^PERSIST-PATTERN-SHA //')"
[[ -n "$sha1" ]] || hbad "run 1 printed no checksum"

echo "=== run 3: SIGTERM while the guest is idle"
boot_guest persist_sigterm --disk "$disk" &
for _ in $(seq 120); do grep -aq PERSIST-READY-FOR-SIGTERM persist_sigterm.log 2>/dev/null && break; sleep 0.5; done
zvmm_pid="$(pidof zvmm)"
[[ -n "$zvmm_pid" ]] && kill -TERM $zvmm_pid
wait %1; status=$?
hcheck "zvmm exit status after SIGTERM" "$status" 143
grep -aq "zvmm: stopped by SIGTERM" persist_sigterm.log && hok "SIGTERM message" || hbad "no 'stopped by SIGTERM' message"
hcheck "zvmm-zones: zone 3 wp after SIGTERM" "$(zvmm_zones report persist.img | awk '$2 == 3 {print $10}')" $((3 * 8192 + 128))
host_finish

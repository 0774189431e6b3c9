# Control socket, guest side (control_host.sh drives zvmm from the host while
# this runs): a zone set offline at run time, read errors injected on a range,
# then the zone report the host compares with query-zones. Each step waits for
# the host's change to become visible (the host waits for CONTROL-STEP-N).
# The same faults on an NVMe zoned namespace (/dev/nvme0n1, 4 MiB zones):
# zone 2 offline (and in the Changed Zone List), read errors in zone 4.
source /work/lib.sh
dev=/dev/vda zs=8192 ns=/dev/nvme0n1
nrd() { dd if=$ns of=/dev/null bs=4096 skip=$(($1 / 8)) count=1 iflag=direct status=none 2>/tmp/nerr; }
yes zvmm-control | head -c 65536 >/tmp/p
rd() { dd if=$dev of=/dev/null bs=4096 skip=$(($1 / 8)) count=1 iflag=direct status=none 2>/tmp/err; }
blkzone reset $dev
for z in 3 4 5; do run "write zone $z" dd if=/tmp/p of=$dev bs=4096 seek=$((z * zs / 8)) oflag=direct status=none; done
echo CONTROL-STEP-1
# Host: zone-set-condition vda 3 offline.
for _ in $(seq 600); do [[ "$(zone_cond $dev $((3 * zs)))" == of ]] && break; sleep 0.2; done
check "zone 3 after zone-set-condition (blkzone report)" "$(zone_cond $dev $((3 * zs)))" of
if rd $((3 * zs)); then bad "read of offline zone 3 succeeded"; else ok "read of offline zone 3 fails: $(cat /tmp/err)"; fi
if dd if=/tmp/p of=$dev bs=4096 seek=$((3 * zs / 8 + 16)) count=1 oflag=direct status=none 2>/tmp/err; then
  bad "write to offline zone 3 succeeded"
else
  ok "write to offline zone 3 fails: $(cat /tmp/err)"
fi
run "read zone 4" rd $((4 * zs))
# NVMe: zone 2 of nvme0n1 set offline by the host.
for _ in $(seq 300); do [[ "$(zone_cond $ns $((2 * zs)))" == of ]] && break; sleep 0.2; done
check "nvme0n1 zone 2 (blkzone report)" "$(zone_cond $ns $((2 * zs)))" of
if nrd $((2 * zs)); then bad "read of offline nvme0n1 zone 2 succeeded"; else ok "read of offline nvme0n1 zone 2 fails: $(cat /tmp/nerr)"; fi
cz="$(nvme zns changed-zone-list $ns 2>&1)"; echo "$cz"
grep -qE "^zid [0-9]+: $((2 * zs))\$" <<<"$cz" && ok "changed-zone-list has zone 2 (ZSLBA $((2 * zs)))" ||
  bad "changed-zone-list lacks ZSLBA $((2 * zs))"
echo CONTROL-STEP-2
# Host: inject-error on the first 64 sectors of zone 5, reads.
for _ in $(seq 600); do rd $((5 * zs)) || break; sleep 0.2; done
if rd $((5 * zs)); then bad "read in the injected range succeeded"; else ok "read in the injected range fails"; fi
grep -q "Input/output error" /tmp/err && ok "dd in the injected range: EIO" || bad "dd in the injected range: $(cat /tmp/err)"
run "read zone 5 past the range" rd $((5 * zs + 64))
run "read zone 4 (other zone)" rd $((4 * zs))
for _ in $(seq 300); do nrd $((4 * zs)) || break; sleep 0.2; done
# NVMe maps io-error on a read to Unrecovered Read Error (SCT 2h / SC 81h),
# which Linux reports as a critical medium error: ENODATA.
grep -qE "No data available|Input/output error" /tmp/nerr && ok "nvme0n1: dd in the injected range: $(cat /tmp/nerr)" ||
  bad "nvme0n1 injected range: $(cat /tmp/nerr)"
run "nvme0n1: read zone 5" nrd $((5 * zs))
run "write zone 5 (writes are not injected)" dd if=/tmp/p of=$dev bs=4096 seek=$((5 * zs / 8 + 16)) count=1 oflag=direct status=none
echo CONTROL-STEP-3
# Host: clear-errors, then zone-finish vda 15 as the sign that it took its report.
for _ in $(seq 600); do [[ "$(zone_cond $dev $((15 * zs)))" == fu ]] && break; sleep 0.2; done
check "zone 15 finished by the host" "$(zone_cond $dev $((15 * zs)))" fu
run "read in the range after clear-errors" rd $((5 * zs))
blkzone report $dev | sed 's/^/GUEST-ZONE /'
echo CONTROL-STEP-4
finish

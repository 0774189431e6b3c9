# control_readonly_test, boot 1: zones 3 and 4 of vda and nvme0n1 get 64 KiB
# each; the host sets zone 3 read-only through the control socket; then the
# read-only checks (ro_checks.sh).
source /work/lib.sh
source /work/ro_checks.sh
for dev in /dev/vda /dev/nvme0n1; do
  run "$dev reset all" blkzone reset $dev
  for z in 3 4; do
    run "$dev write zone $z" dd if=/tmp/p of=$dev bs=4096 seek=$((z * zs / 8)) oflag=direct conv=fsync status=none
  done
done
echo RO-STEP-1
for dev in /dev/vda /dev/nvme0n1; do
  for _ in $(seq 600); do [[ "$(zone_cond $dev $((3 * zs)))" == ro ]] && break; sleep 0.2; done
done
ro_checks /dev/vda "vda:"
ro_checks /dev/nvme0n1 "nvme0n1:"
finish

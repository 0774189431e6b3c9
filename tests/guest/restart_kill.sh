# Restart, boot 3 (restart_host.sh): zone 7 explicitly open with 12 KiB, zone 6
# implicitly open with 4 KiB: the host kills zvmm with SIGKILL while they are.
source /work/lib.sh
dev=/dev/vda zs=8192
run "open zone 7" blkzone open -o $((7 * zs)) -c 1 $dev
run "write zone 7" dd if=/dev/zero of=$dev bs=4096 count=3 seek=$((7 * zs / 8)) oflag=direct status=none
run "write zone 6" dd if=/dev/zero of=$dev bs=4096 count=1 seek=$((6 * zs / 8)) oflag=direct status=none
blkzone report -o $((4 * zs)) -c 4 $dev
check "open zones before the kill" "$(blkzone report $dev | grep -cE 'zcond: *(2\(oi\)|3\(oe\))')" 2
echo "RESTART-READY-FOR-SIGKILL"
sleep 600

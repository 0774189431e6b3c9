# Persistence, run 3: writes 64 KiB into zone 3, then waits to be stopped by
# SIGTERM on the host.
source /work/lib.sh
dev=/dev/vda zs=8192
run "write zone 3" dd if=/dev/urandom of=$dev bs=4096 count=16 seek=$((3 * zs / 8)) oflag=direct status=none
echo "PERSIST-READY-FOR-SIGTERM"
sleep 600

# control_readonly_test, boot 2 (a restart on the same images, no control
# socket): zone 3 is still read-only on both disks, with its data; the same
# checks as in boot 1 (ro_checks.sh).
source /work/lib.sh
source /work/ro_checks.sh
blkzone report -c 6 /dev/vda
blkzone report -c 6 /dev/nvme0n1
check "vda: open zones after the restart" "$(blkzone report /dev/vda | grep -cE 'zcond: *[23]\(')" 0
ro_checks /dev/vda "vda:"
ro_checks /dev/nvme0n1 "nvme0n1:"
finish

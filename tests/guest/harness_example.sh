# Guest side of //tests/guest:harness_test: checks that pass, one that fails on
# purpose, a command check, a file sent out with save_output and a small fio run
# with JSON output, on a zoned disk whose final zone report the harness saves.
source /work/lib.sh
dev=/dev/vda
check "zoned model" "$(cat /sys/block/vda/queue/zoned)" host-managed
check "deliberate failure" "actual value" "expected value"
run "blkzone report" blkzone report -c 2 "$dev"
printf 'line one\nline two\n' >/tmp/note.txt
save_output note.txt /tmp/note.txt
fio_json fio-zbd --name=w --filename=$dev --direct=1 --zonemode=zbd --ioengine=psync \
  --rw=write --bs=64k --offset=4M --size=4M
finish

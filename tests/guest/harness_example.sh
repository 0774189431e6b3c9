# Guest side of //tests/guest:harness_test: checks that pass, one that fails on
# purpose, a command check, a file sent out with save_output and a small fio run
# with JSON output, on a zoned disk whose final zone report the harness saves;
# null_blk and configfs came in through the `modules` attribute.
source /work/lib.sh
check "module null_blk" "$(cat /sys/module/null_blk/initstate 2>&1)" live
check "null_blk device" "$([[ -b /dev/nullb0 ]] && echo present)" present
dev=/dev/vda
check "zoned model" "$(cat /sys/block/vda/queue/zoned)" host-managed
check "deliberate failure" "actual value" "expected value"
run "blkzone report" blkzone report -c 2 "$dev"
printf 'line one\nline two\n' >/tmp/note.txt
save_output note.txt /tmp/note.txt
fio_json fio-zbd --name=w --filename=$dev --direct=1 --zonemode=zbd --ioengine=psync \
  --rw=write --bs=64k --offset=4M --size=4M
finish

# fio with crc32c verify on an NVM namespace: 4 KiB random and 128 KiB
# sequential writes at QD1 and QD32, two jobs on two vCPUs (two I/O queues);
# then blkdiscard reads back zeros.
# Disk (BUILD.bazel): nvme,file=fio.img,zoned=none,size=512M (queues: one per vCPU = 2).
source /work/lib.sh
source /work/nvme_lib.sh
ns=/dev/nvme0n1
[[ -b $ns ]] || { bad "no $ns"; nvme_dmesg; finish; }
check "I/O queues" "$(ls /sys/block/nvme0n1/mq | wc -l)" 2
fio_v() {
  local name="$1"; shift
  fio --name="$name" --filename=$ns --direct=1 --ioengine=libaio --group_reporting --verify=crc32c \
    --do_verify=1 --numjobs=2 --offset_increment=128M --size=64M --output=/tmp/$name.txt "$@"
  local st=$?
  grep -E "WRITE:|READ:|err=" /tmp/$name.txt
  return $st
}
run "fio 4k randwrite QD32 verify" fio_v rand32 --rw=randwrite --bs=4k --iodepth=32 --io_size=16M
run "fio 4k randwrite QD1 verify" fio_v rand1 --rw=randwrite --bs=4k --iodepth=1 --io_size=2M
run "fio 128k write QD32 verify" fio_v seq32 --rw=write --bs=128k --iodepth=32
run "fio 128k write QD1 verify" fio_v seq1 --rw=write --bs=128k --iodepth=1 --size=16M
for f in rand32 rand1 seq32 seq1; do
  check "fio $f errors" "$(grep -c 'err= *[1-9]' /tmp/$f.txt)" 0
done
grep nvme0q /proc/interrupts
for q in 1 2; do
  n="$(awk -v q="nvme0q$q" '$NF == q {s = 0; for (i = 2; i < NF - 2; i++) s += $i; print s}' /proc/interrupts)"
  check "interrupts on I/O queue $q > 0" "$(( ${n:-0} > 0 ))" 1
done
echo "--- blkdiscard"
check "discard offered" "$(( $(cat /sys/block/nvme0n1/queue/discard_max_bytes) > 0 ))" 1
run "write data" dd if=/dev/urandom of=$ns bs=1M count=16 seek=300 oflag=direct status=none
run "blkdiscard 16 MiB" blkdiscard -o $((300 << 20)) -l $((16 << 20)) $ns
check "reads zeros after discard" \
  "$(dd if=$ns bs=1M skip=300 count=16 iflag=direct status=none | tr -d '\0' | wc -c)" 0
finish

# power_cut_test, one boot of 20: checks what the previous boot left (zones
# and numbered blocks, pc_lib.sh), then writes numbered blocks with a flush
# after every 8 on vda and nvme0n1 while fio writes (zonemode=zbd, fsync) to
# the other zones of both, until the host cuts the power.
source /work/lib.sh
source /work/pc_lib.sh
for d in vda nvme0n1; do pc_recover /dev/$d $d; eval "start_$d=$pc_sectors"; pc_fio_region /dev/$d $d; done
echo PC-CHECKED
for d in vda nvme0n1; do
  fio --name=load-$d --filename=/dev/$d --direct=1 --zonemode=zbd --ioengine=psync --rw=write --bs=64k \
    --offset=$((PC_ZONES * PC_ZONE_SECTORS * 512)) --size=4M --fsync=4 --time_based --runtime=600 \
    --output=/tmp/fio-$d.txt >/dev/null 2>&1 &
done
pc_writer /dev/vda vda $start_vda &
pc_writer /dev/nvme0n1 nvme0n1 $start_nvme0n1 &
echo PC-WRITING
wait
echo PC-WRITERS-DONE
sleep 1000

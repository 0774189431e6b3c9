# Two namespaces on one controller (ctrl=a), a second controller, and a
# virtio-blk disk side by side. Controllers are told apart by serial (Linux
# probes them asynchronously, so nvme0/nvme1 may come in either order).
# Disks (BUILD.bazel): nvme ctrl=a serial=MULTIA: a1.img 64M (nsid 1), a2.img 96M (nsid 2);
# nvme serial=MULTIB b.img 32M; virtio-blk v.img 48M.
source /work/lib.sh
source /work/nvme_lib.sh
nvme list
a="$(ctrl_by_serial MULTIA)" b="$(ctrl_by_serial MULTIB)"
[[ -n "$a" && -n "$b" ]] || { bad "controllers MULTIA/MULTIB: '$a' '$b'"; ls /sys/class/nvme; nvme_dmesg; finish; }
ok "controllers: MULTIA=$a MULTIB=$b"
check "namespaces on $a" "$(ls -d /sys/class/nvme/$a/${a}n* 2>/dev/null | wc -l)" 2
check "namespaces on $b" "$(ls -d /sys/class/nvme/$b/${b}n* 2>/dev/null | wc -l)" 1
# The block device of namespace NSID on controller CTRL. Linux names
# namespaces in the order its asynchronous scan finishes them, so nvme0n1 may
# be nsid 2: look them up by nsid.
ns_dev() {  # ns_dev CTRL NSID
  local d
  for d in /sys/class/nvme/$1/$1n*; do
    [[ "$(cat "$d/nsid" 2>/dev/null)" == "$2" ]] && { basename "$d"; return; }
  done
}
a1="$(ns_dev "$a" 1)" a2="$(ns_dev "$a" 2)" b1="$(ns_dev "$b" 1)"
[[ -n "$a1" && -n "$a2" && -n "$b1" ]] || { bad "namespaces by nsid: '$a1' '$a2' '$b1'"; nvme_dmesg; finish; }
ok "namespaces: $a nsid 1 = $a1, nsid 2 = $a2; $b nsid 1 = $b1"
check "$a nsid 1 size" "$(cat /sys/block/$a1/size)" $((64 << 11))
check "$a nsid 2 size" "$(cat /sys/block/$a2/size)" $((96 << 11))
check "$b nsid 1 size" "$(cat /sys/block/$b1/size)" $((32 << 11))
check "vda size" "$(cat /sys/block/vda/size)" $((48 << 11))
check "wwids differ" "$(cat /sys/block/{$a1,$a2,$b1}/wwid | sort -u | wc -l)" 3
check "subsystems differ" "$(cat /sys/class/nvme/$a/subsysnqn /sys/class/nvme/$b/subsysnqn | sort -u | wc -l)" 2
check "$a subsysnqn" "$(cat /sys/class/nvme/$a/subsysnqn)" "nqn.2026-11.dev.zvmm:ctrl-a"
i=0
for dev in /dev/$a1 /dev/$a2 /dev/$b1 /dev/vda; do
  i=$((i + 1))
  yes "disk $i $dev" | head -c $((8 << 20)) >/tmp/p$i
  run "write $dev" dd if=/tmp/p$i of=$dev bs=1M seek=4 oflag=direct status=none
done
i=0
for dev in /dev/$a1 /dev/$a2 /dev/$b1 /dev/vda; do
  i=$((i + 1))
  check "read back $dev" "$(dd if=$dev bs=1M skip=4 count=8 iflag=direct status=none | sha256sum)" \
    "$(sha256sum </tmp/p$i)"
done
run "fio on all four at once" fio --direct=1 --ioengine=libaio --iodepth=16 --rw=randwrite --bs=4k --size=16M \
  --io_size=4M --verify=crc32c --output=/tmp/multi.txt \
  --name=a1 --filename=/dev/$a1 --name=a2 --filename=/dev/$a2 --name=b --filename=/dev/$b1 \
  --name=v --filename=/dev/vda
check "fio errors" "$(grep -c 'err= *[1-9]' /tmp/multi.txt)" 0
finish

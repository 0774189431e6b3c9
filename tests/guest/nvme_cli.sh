# nvme-cli against the NVMe controller: identify, logs and features show what
# the command line configured.
# Disk (BUILD.bazel): nvme,file=cli.img,zoned=none,size=256M,serial=ZVMMCLI01,mdts=5,queues=2; 2 vCPUs.
source /work/lib.sh
source /work/nvme_lib.sh
ctrl=/dev/nvme0 ns=/dev/nvme0n1
if [[ ! -b $ns ]]; then
  bad "no $ns"; nvme_dmesg; lspci -nn; finish
fi
echo "--- nvme list"; nvme list
check "nvme list shows the namespace" "$(nvme list | grep -c "^$ns ")" 1
idc="$(nvme id-ctrl $ctrl)" || bad "nvme id-ctrl"
echo "$idc" | head -30
check "id-ctrl sn" "$(field "$idc" sn)" ZVMMCLI01
check "id-ctrl mn" "$(field "$idc" mn)" "zvmm NVMe Controller"
check "id-ctrl fr" "$(field "$idc" fr)" "1.0"
check "id-ctrl mdts" "$(field "$idc" mdts)" 5
check "id-ctrl subnqn" "$(field "$idc" subnqn)" "nqn.2026-11.dev.zvmm:ctrl-ZVMMCLI01"
check "sysfs serial" "$(tr -d ' ' </sys/class/nvme/nvme0/serial)" ZVMMCLI01
check "sysfs model" "$(sed 's/ *$//' </sys/class/nvme/nvme0/model)" "zvmm NVMe Controller"
check "max_hw_sectors_kb (mdts 5 = 128 KiB)" "$(cat /sys/block/nvme0n1/queue/max_hw_sectors_kb)" 128
check "PCI class" "$(cat /sys/class/nvme/nvme0/device/class)" 0x010802
check "PCI vendor:device" "$(cat /sys/class/nvme/nvme0/device/vendor):$(cat /sys/class/nvme/nvme0/device/device)" \
  "0x1b36:0x5a56"
idn="$(nvme id-ns $ns)" || bad "nvme id-ns"
echo "$idn" | head -12; echo "$idn" | grep lbaf
check "id-ns nsze (256 MiB / 512)" "$(field "$idn" nsze)" 0x80000
check "id-ns ncap" "$(field "$idn" ncap)" 0x80000
check "id-ns lbaf 0 in use, 512-byte blocks" "$(echo "$idn" | grep -c 'lbaf  0 : ms:0   lbads:9 .*in use')" 1
check "sysfs size (sectors)" "$(cat /sys/block/nvme0n1/size)" 524288
check "nguid not zero" "$(( $(field "$idn" nguid | tr -d 0 | wc -c) > 1 ))" 1
check "I/O queues (blk-mq hw queues)" "$(ls /sys/block/nvme0n1/mq | wc -l)" 2
echo "--- write 16 MiB, then the SMART log counts it"
run "dd write" dd if=/dev/urandom of=$ns bs=1M count=16 oflag=direct status=none
smart="$(nvme smart-log $ctrl)" || bad "nvme smart-log"
echo "$smart"
check "smart critical_warning" "$(field "$smart" critical_warning)" 0
duw="$(field "$smart" "Data Units Written" | sed 's/[^0-9].*//; s/,//g')"
check "smart data units written >= 32 (16 MiB in 512,000-byte units)" "$(( ${duw:-0} >= 32 ))" 1
hwc="$(field "$smart" host_write_commands | tr -d ,)"
check "smart host write commands >= 128" "$(( ${hwc:-0} >= 128 ))" 1
run "nvme error-log" nvme error-log $ctrl -e 4
run "nvme fw-log" nvme fw-log $ctrl
echo "--- features"
check "feature 07h Number of Queues (2 SQ / 2 CQ, 0's based)" "$(feature $ctrl 7)" 0x00010001
check "feature 06h Volatile Write Cache enabled" "$(feature $ctrl 6)" 0x00000001
for fid in 1 2 4 5 8 0xa 0xb 0xf 0x19; do
  v="$(feature $ctrl $fid)"
  if [[ "$v" == 0x* ]]; then ok "feature $fid = $v"; else bad "feature $fid: $v"; fi
done
check "feature 09h Interrupt Vector Config (vector 1)" "$(nvme get-feature $ctrl -f 9 --cdw11=1 2>&1 | grep -c 'Current value')" 1
check "queue/write_cache" "$(cat /sys/block/nvme0n1/queue/write_cache)" "write back"
run "flush" nvme flush $ctrl -n 1
finish

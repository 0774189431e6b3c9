#!/bin/bash
# HostZonedDevice against real host zoned block devices, inside the emulated
# KVM host (tests/kvm-host/run): null_blk zoned on Linux 6.12, scsi_debug
# host-aware on Linux 6.1, and the refusal of non-zoned devices. Always
# emulated (ZVMM_KVM_HOST=emulated): loading modules on a real host is not a
# test's business.
#
# usage: zoned_host_test.sh HARNESS HOST_6_12_VMLINUX HOST_6_1_VMLINUX CHECK INSIDE
set -uo pipefail
run="$(realpath -s "$1")"
img612="$(dirname "$(realpath -s "$2")")" img61="$(dirname "$(realpath -s "$3")")"
check="$(realpath -s "$4")" inside="$(realpath -s "$5")"
export ZVMM_KVM_HOST=emulated
status=0

null_blk="modprobe configfs; modprobe null_blk nr_devices=1 zoned=1 gb=1 bs=4096 zone_size=64 \
zone_capacity=48 zone_nr_conv=2 zone_max_open=4 zone_max_active=6 memory_backed=1"
scsi_debug="modprobe scsi_debug max_luns=1 sector_size=4096 dev_size_mb=256 zbc=host-aware \
zone_size_mb=16 zone_nr_conv=2; modprobe sd_mod"

echo "=== Linux 6.12: null_blk zoned, scsi_debug host-aware (not zoned there)"
"$run" --image-dir "$img612" --timeout 120 --in "$check" --in "$inside" \
  --setup "$null_blk" --setup "$scsi_debug" -- "$inside" null_blk "$check" || status=1

echo "=== Linux 6.1: scsi_debug host-aware, null_blk not zoned"
"$run" --image-dir "$img61" --kernel 6.1 --timeout 120 --in "$check" --in "$inside" \
  --setup "$scsi_debug" --setup "modprobe null_blk nr_devices=1 gb=1 bs=4096" \
  -- "$inside" scsi_debug "$check" || status=1

exit $status

# Runs in the guest: zonetool (this workspace's cc_binary, on PATH) on the
# zoned virtio-blk disk and on the NVMe ZNS namespace (BUILD.bazel).
source /work/lib.sh

# val KEY OUTPUT: the value of KEY=... in zonetool's output.
val() { sed -n "s/^$1=//p" <<<"$2"; }

out="$(zonetool /dev/vda)"; status=$?
echo "$out"
check "vda: zonetool exit status" "$status" 0
check "vda: zones (64M / 4M)" "$(val zones "$out")" 16
check "vda: zone size in sectors" "$(val zone_sectors "$out")" 8192
check "vda: conventional zones" "$(val conventional "$out")" 1
check "vda: zone capacity in sectors" "$(val capacity_sectors "$out")" 6144
check "vda: write pointer advance" "$(val wp_advance "$out")" 128
check "vda: zone after the write" "$(val cond_after "$out")" imp-open
check "vda: data read back" "$(val readback "$out")" equal

out="$(zonetool /dev/nvme0n1)"; status=$?
echo "$out"
check "nvme0n1: zonetool exit status" "$status" 0
check "nvme0n1: zones (64M / 4M)" "$(val zones "$out")" 16
check "nvme0n1: write pointer advance" "$(val wp_advance "$out")" 128
check "nvme0n1: data read back" "$(val readback "$out")" equal
# blkzone (util-linux, in zvmm's guest image) agrees with zonetool.
check "nvme0n1: blkzone sees the write" \
  "$(zone_wp /dev/nvme0n1 "$(( $(val write_zone "$out") * 8192 ))")" 0x000080
finish

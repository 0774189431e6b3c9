# Host side: random writes on a host-aware image leave non-sequential zones.
source "$ZVMM_HOST_LIB"
expect_boot "host-aware guest" host_aware --disk "virtio-blk,file=ha.img,size=64M,zoned=ha,zone-size=4M"
zvmm_zones info ha.img
hcheck "model" "$(zvmm_zones info ha.img | head -1 | awk '{print $2}')" "host-aware,"
nonseq="$(zvmm_zones report ha.img --filter non-seq | grep -c non-seq)"
zvmm_zones report ha.img | head -4
if [[ "$nonseq" -gt 0 ]]; then hok "$nonseq zones are non-seq"; else hbad "no non-seq zone after random writes"; fi
host_finish

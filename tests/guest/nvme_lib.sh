# NVMe helpers for guest scripts (packed as /work/nvme_lib.sh next to lib.sh).
# field TEXT NAME: the value of "NAME : value" in nvme-cli's normal output
# (id-ctrl, id-ns, smart-log), spaces trimmed.
field() { awk -F: -v k="$2" '{n=$1; gsub(/[ \t]+$/, "", n)} n == k {v=$0; sub(/^[^:]*:[ \t]*/, "", v); gsub(/[ \t]+$/, "", v); print v; exit}' <<<"$1"; }
# feature DEV FID: the "Current value" nvme get-feature prints (hex), or "error".
feature() {
  local out
  out="$(nvme get-feature "$1" -f "$2" -H 2>&1)" || { echo "error: $out" | head -1; return; }
  local v
  # nvme-cli 2.3 prints 0x00000157 but 00000000 for zero: always 0x here.
  v="$(sed -n 's/.*Current value: *\(0x\)\{0,1\}\([0-9a-fA-F]\{1,\}\).*/0x\2/p' <<<"$out" | head -1)"
  echo "${v:-unparsed: $(head -1 <<<"$out")}"
}
# The nvmeN whose serial is $1.
ctrl_by_serial() {
  local c
  for c in /sys/class/nvme/nvme*; do
    [[ "$(tr -d ' ' <"$c/serial")" == "$1" ]] && { basename "$c"; return; }
  done
}
# Shows the kernel's NVMe messages (what a failing test needs).
nvme_dmesg() { echo "--- dmesg | grep nvme"; dmesg | grep -i nvme | tail -40; }

# Shared by the guest scripts of power_cut_test (sourced after /work/lib.sh).
# Numbered blocks: block B is 4 KiB of text "zvmm-power-cut block B", padded;
# the writer puts them in order from sector 0 across zones 0..PC_ZONES-1
# (512 KiB zones), so the data a disk holds is determined by how many
# sectors its zones hold in that region.
PC_ZONES=24 PC_ZONE_SECTORS=1024 PC_BLOCKS_PER_ZONE=128
pc_block() { printf '%-4095s\n' "zvmm-power-cut block $1"; }
pc_blocks() { local b; for ((b = $1; b < $2; b++)); do pc_block $b; done; }  # [FIRST, END)

# pc_recover DEV TAG: walks the region's zone report (zones FULL, then at most
# one CLOSED or EMPTY with a write pointer, then EMPTY), checks that no zone
# is open, that the data up to the write pointer is the numbered blocks and
# that the 4 KiB after it read as zeros. Prints PC-RECOVERED TAG SECTORS and
# PC-CHECK TAG ok|bad for the host; sets pc_sectors.
pc_recover() {
  local dev=$1 tag=$2 z=0 phase=full consistent=1 cond wp line
  pc_sectors=0
  while read -r line; do
    cond="$(sed -n 's/.*zcond: *[0-9]*(\([a-z]*\)).*/\1/p' <<<"$line")"
    wp=$(( $(sed -n 's/.*wptr \(0x[0-9a-f]*\).*/\1/p' <<<"$line") ))
    if [[ $phase == full ]]; then
      case $cond in
        fu) pc_sectors=$((pc_sectors + PC_ZONE_SECTORS)) ;;
        em|cl) pc_sectors=$((pc_sectors + wp)); phase=tail
               [[ $cond == cl ]] && (( wp == 0 )) && { echo "$tag: zone $z closed with wp 0"; consistent=0; }
               [[ $cond == em ]] && (( wp != 0 )) && { echo "$tag: zone $z empty with wp $wp"; consistent=0; } ;;
        *) echo "$tag: zone $z is $cond after power-on"; consistent=0 ;;
      esac
    elif [[ $cond != em || $wp -ne 0 ]]; then
      echo "$tag: zone $z is $cond (wp $wp) after the partly written zone"; consistent=0
    fi
    z=$((z + 1))
  done <<<"$(blkzone report -o 0 -c $PC_ZONES $dev)"
  check "$tag: zones reported" "$z" $PC_ZONES
  local full_blocks=$((pc_sectors / 8)) bytes=$((pc_sectors * 512))
  local want got
  want="$(pc_blocks 0 $(((pc_sectors + 7) / 8)) | head -c $bytes | sha256sum)"
  got="$(dd if=$dev bs=64k count=$(((bytes + 65535) / 65536)) iflag=direct status=none | head -c $bytes | sha256sum)"
  check "$tag: the $pc_sectors sectors up to the write pointer are the numbered blocks" "$got" "$want" || consistent=0
  [[ "$got" == "$want" ]] || consistent=0
  if (( pc_sectors < PC_ZONES * PC_ZONE_SECTORS && pc_sectors % PC_ZONE_SECTORS != 0 )); then
    local after
    after="$(dd if=$dev bs=512 skip=$pc_sectors count=8 iflag=direct status=none | tr -d '\0' | wc -c)"
    check "$tag: non-zero bytes in the 4 KiB after the write pointer" "$after" 0
    (( after == 0 )) || consistent=0
  fi
  echo "PC-RECOVERED $tag $pc_sectors"
  (( consistent )) && echo "PC-CHECK $tag ok" || echo "PC-CHECK $tag bad"
  blkzone report -o 0 -c $PC_ZONES $dev | grep -v 'zcond: *1(em)' | tail -2
}

# pc_fio_region DEV TAG: the fio zones (PC_ZONES..end) after power-on: no open
# zone, a write pointer inside each zone that agrees with its condition.
pc_fio_region() {
  local dev=$1 tag=$2 bad_zones=0 cond wp line
  while read -r line; do
    cond="$(sed -n 's/.*zcond: *[0-9]*(\([a-z]*\)).*/\1/p' <<<"$line")"
    wp=$(( $(sed -n 's/.*wptr \(0x[0-9a-f]*\).*/\1/p' <<<"$line") ))
    case $cond in
      em) (( wp == 0 )) || bad_zones=$((bad_zones + 1)) ;;
      cl) (( wp > 0 && wp < PC_ZONE_SECTORS )) || bad_zones=$((bad_zones + 1)) ;;
      fu) ;;
      *) bad_zones=$((bad_zones + 1)) ;;
    esac
  done <<<"$(blkzone report -o $((PC_ZONES * PC_ZONE_SECTORS)) $dev)"
  check "$tag: fio zones in a state a power loss allows" "$bad_zones" 0
}

# pc_writer DEV TAG START_SECTOR: numbered blocks from the write pointer on, 8
# per write+fsync (a flush); after each fsync prints ACK TAG SECTORS (what the
# disk must hold from now on). A write pointer inside a block (a torn write)
# is completed first with that block's rest.
pc_writer() {
  local dev=$1 tag=$2 s=$3 end=$((PC_ZONES * PC_ZONE_SECTORS)) b n
  if (( s % 8 )); then
    pc_block $((s / 8)) | tail -c $(((8 - s % 8) * 512)) |
      dd of=$dev bs=512 seek=$s oflag=direct conv=fsync status=none || { echo "PC-WRITE-ERROR $tag"; return 1; }
    s=$(((s / 8 + 1) * 8)); echo "ACK $tag $s"
  fi
  while (( s < end )); do
    b=$((s / 8)); n=$(( (end - s) / 8 < 8 ? (end - s) / 8 : 8 ))
    pc_blocks $b $((b + n)) >/tmp/batch-$tag
    dd if=/tmp/batch-$tag of=$dev bs=4096 seek=$b oflag=direct conv=fsync status=none || { echo "PC-WRITE-ERROR $tag"; return 1; }
    s=$((s + n * 8)); echo "ACK $tag $s"
  done
  echo "PC-FULL $tag"
}

# control_btrfs_test, guest side, for vda and then nvme0n1: btrfs zoned
# (mkfs -O zoned -m single -d single), four 8 MiB files with recognizable
# contents, unmounted; the zone holding file f2's data is found by its
# contents and named to the host (BTRFS-ZONE DISK ZONE), which sets it
# offline. Then: a plain mount and a `ro,rescue=all` mount are tried; btrfs
# must name the offline zone in its log, at least one mount must work, and
# on every mount that works no file may read back wrong data: f2 fails with
# an error, the others match.
source /work/lib.sh
mkdir -p /mnt
zs_bytes=$((8 << 20))
make_file() { yes "zvmm-btrfs-f$1" | head -c $zs_bytes; }
for i in 1 2 3 4; do make_file $i | sha256sum | cut -d' ' -f1 >/tmp/sum$i; done

# read_files LABEL: every file either reads back its contents or fails.
read_files() {
  local i got
  echo 3 >/proc/sys/vm/drop_caches
  for i in 1 2 3 4; do
    got="$(sha256sum /mnt/f$i 2>/tmp/err | cut -d" " -f1)"
    if [[ -s /tmp/err ]]; then
      echo "$1: f$i read error: $(cat /tmp/err)"
      [[ $i == 2 ]] && ok "$1: f2 (in the offline zone) fails: $(cat /tmp/err)" ||
        bad "$1: f$i (not in the offline zone) fails: $(cat /tmp/err)"
    elif [[ "$got" == "$(cat /tmp/sum$i)" ]]; then
      [[ $i == 2 ]] && bad "$1: f2 reads back although its zone is offline" || ok "$1: f$i reads back intact"
    else
      bad "$1: f$i reads back WRONG data without an error ($got)"
    fi
  done
}

for d in vda nvme0n1; do
  dev=/dev/$d
  echo "=== $d"
  run "$d: mkfs.btrfs -O zoned" mkfs.btrfs -q -f -O zoned -m single -d single $dev
  run "$d: mount" mount -t btrfs $dev /mnt
  for i in 1 2 3 4; do run "$d: write f$i" sh -c "yes zvmm-btrfs-f$i | head -c $zs_bytes >/mnt/f$i"; done
  run "$d: sync" sync
  run "$d: umount" umount /mnt
  # A zone with f2's contents: the one with most of them in 1 MiB samples
  # (at 1, 4 and 7 MiB into each zone in use).
  nz=$(blkzone report $dev | wc -l) best=-1 best_n=0
  for ((z = 2; z < nz; z++)); do
    [[ "$(zone_cond $dev $((z * zs_bytes / 512)))" == em ]] && continue
    n=$(for m in 1 4 7; do dd if=$dev bs=1M skip=$((z * 8 + m)) count=1 iflag=direct status=none; done | grep -c zvmm-btrfs-f2)
    (( n > best_n )) && { best=$z; best_n=$n; }
  done
  (( best > 1 )) && ok "$d: f2's data found in zone $best ($best_n lines)" || bad "$d: f2's data not found"
  dmesg -c >/dev/null
  echo "BTRFS-ZONE $d $best"
  for _ in $(seq 1500); do [[ "$(zone_cond $dev $((best * zs_bytes / 512)))" == of ]] && break; sleep 0.2; done
  check "$d: zone $best offline (blkzone report)" "$(zone_cond $dev $((best * zs_bytes / 512)))" of

  mounted=0
  if mount -t btrfs $dev /mnt 2>/tmp/merr; then
    ok "$d: plain mount succeeds"; mounted=1
    read_files "$d (mounted)"
    if sh -c "yes zvmm-btrfs-f5 | head -c 1048576 >/mnt/f5 && sync" 2>/tmp/err; then ok "$d: a new file is written"; else echo "$d: writing a new file fails: $(cat /tmp/err)"; fi
    umount /mnt || bad "$d: umount"
  else
    ok "$d: plain mount fails cleanly: $(cat /tmp/merr)"
  fi
  if mount -t btrfs -o ro,rescue=all $dev /mnt 2>/tmp/merr; then
    ok "$d: mount -o ro,rescue=all succeeds"; mounted=1
    read_files "$d (ro,rescue=all)"
    umount /mnt || bad "$d: umount"
  else
    echo "$d: mount -o ro,rescue=all fails: $(cat /tmp/merr)"
  fi
  check "$d: some mount of the file system works" "$mounted" 1
  dmesg | grep -i btrfs | tail -15
  dmesg | grep -qE "offline/readonly zone $best " && ok "$d: btrfs reports the offline zone $best" ||
    bad "$d: btrfs did not name offline zone $best"
  check "$d: zone $best still offline" "$(zone_cond $dev $((best * zs_bytes / 512)))" of
done
finish

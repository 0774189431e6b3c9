# control_inject_test, guest side: fio writes 8 MiB (zones 2-3) of vda and
# nvme0n1 with crc32c headers; the host injects read errors on 64 sectors
# (eight 4 KiB blocks) of zone 3 of each; fio's verify must see exactly
# those eight blocks fail (the kernel logs their sectors), and verify everything
# else; after the host's clear-errors the same verify passes. The host
# compares the counts with query-disks' injected-errors. (The verify is a
# read job with --verify=crc32c, which checks each block's header and
# checksum as it reads: fio's --verify_only stops at the first I/O error
# whatever --continue_on_error says.)
source /work/lib.sh
zs=8192
inj_sector=$((3 * zs + 1024)) inj_sectors=64
fio_job() {  # fio_job DEV OUT RW [FIO_ARG...]
  local dev=$1 out=$2 rw=$3; shift 3
  fio --name=inj --filename=$dev --direct=1 --ioengine=psync --rw=$rw --bs=4k --offset=8M --size=8M \
    --verify=crc32c "$@" >$out 2>&1
}
# fio's error count (the "errors : total=N" line continue_on_error prints; 0 without it).
fio_errors() { local n; n="$(sed -n 's/.*errors *: total=\([0-9]*\),.*/\1/p' $1)"; echo "${n:-0}"; }
wait_zone_full() {  # the host's signal: it finished zone $1 of vda
  for _ in $(seq 1500); do [[ "$(zone_cond /dev/vda $(($1 * zs)))" == fu ]] && return 0; sleep 0.2; done
  bad "no signal from the host (zone $1 of vda not finished)"
}
verify_all() {  # verify_all TAG: fio's verifying read on both disks, errors tolerated and counted
  for d in vda nvme0n1; do
    dmesg -c >/dev/null
    # Going on after errors: fio's default non-fatal list is EIO and EILSEQ
    # (84, a verify failure); NVMe's read error arrives as ENODATA (61), which
    # fio 3.33 knows by number only.
    fio_job /dev/$d /tmp/$1-$d.txt read --continue_on_error=all --verify_fatal=0 --ignore_error=5:61,5,84
    echo "fio $1 $d: exit $?"; grep -E "err=|errors|io_u error|verify:" /tmp/$1-$d.txt | head -20
    # The kernel's log of each failed request (rate-limited to 10 per 5 s:
    # the next disk's run starts after that).
    dmesg | sed -n "s/.*error, dev $d, sector \([0-9]*\) op 0x0:(READ).*/\1/p" >/tmp/$1-$d.sectors
    sleep 6
  done
}

for d in vda nvme0n1; do
  run "$d: reset all" blkzone reset /dev/$d
  run "$d: fio zbd write 8 MiB with crc32c headers" fio_job /dev/$d /tmp/w-$d.txt write --zonemode=zbd --do_verify=0
  check "$d: fio write errors" "$(grep -c 'err= *[1-9]' /tmp/w-$d.txt)" 0
done
verify_all before
for d in vda nvme0n1; do check "$d: verify errors before any fault" "$(fio_errors /tmp/before-$d.txt)" 0; done
echo "NVME-MAX-RETRIES $(cat /sys/module/nvme_core/parameters/max_retries)"
echo INJ-READY
wait_zone_full 15  # host: inject-error on both disks, then zone-finish vda 15

verify_all faulty
for d in vda nvme0n1; do
  n="$(fio_errors /tmp/faulty-$d.txt)"
  echo "GUEST-ERRORS $d $n"
  check "$d: fio verify errors with the fault armed" "$n" 8
  # Every failed read lies in the injected range, each 4 KiB block in it
  # once (the guest kernel logs the failed requests' sectors).
  want="$(for ((b = 0; b < 8; b++)); do echo $((inj_sector + b * 8)); done | xargs)"
  check "$d: sectors of the failed reads (dmesg)" "$(sort -n /tmp/faulty-$d.sectors | xargs)" "$want"
  check "$d: verify failures (bad data, not I/O errors)" "$(grep -c '^verify:' /tmp/faulty-$d.txt)" 0
done
grep -q "Input/output error" /tmp/faulty-vda.txt && ok "vda: the failures are EIO" || bad "vda: no EIO in fio's output"
run "vda: read just before the range" dd if=/dev/vda of=/dev/null bs=512 skip=$((inj_sector - 8)) count=8 iflag=direct status=none
run "vda: read just after the range" dd if=/dev/vda of=/dev/null bs=512 skip=$((inj_sector + inj_sectors)) count=8 iflag=direct status=none
echo INJ-COUNTED
wait_zone_full 14  # host: clear-errors, then zone-finish vda 14

verify_all cleared
for d in vda nvme0n1; do
  check "$d: fio verify errors after clear-errors" "$(fio_errors /tmp/cleared-$d.txt)" 0
  check "$d: fio verify exit lines with err != 0 after clear-errors" "$(grep -c 'err= *[1-9]' /tmp/cleared-$d.txt)" 0
done
finish

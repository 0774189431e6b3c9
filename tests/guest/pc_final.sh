# power_cut_test, the boot after the last cut: the same checks, then exits.
source /work/lib.sh
source /work/pc_lib.sh
for d in vda nvme0n1; do pc_recover /dev/$d $d; pc_fio_region /dev/$d $d; done
finish

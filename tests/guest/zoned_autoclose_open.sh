# zoned_autoclose_test's workload with explicit opens of another zone beside
# the fio writers (manual: it hung in about 1 run of 4; see zoned_autoclose.sh).
export AUTOCLOSE_EXPLICIT_OPENS=1
source /work/zoned_autoclose.sh

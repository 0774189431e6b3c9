# Both vCPUs come up (MP table, in-kernel LAPICs, SIPI).
set -e
echo "guest: nproc=$(nproc)"
grep -c ^processor /proc/cpuinfo
[ "$(nproc)" = 2 ]
[ "$(grep -c ^processor /proc/cpuinfo)" = 2 ]

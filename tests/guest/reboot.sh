# A guest reboot (i8042 reset, reboot=k) ends zvmm with status 0.
reboot -f
sleep 30
exit 1

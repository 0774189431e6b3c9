# Host side: everything the guest wrote to its console before reporting its exit
# status arrives, up to the ZVMM-GUEST-EXIT line (zvmm keeps the VM running after
# the status until the guest's UART is quiet; the guest does not drain).
source "$ZVMM_HOST_LIB"
# The console is kept in console_burst.log; thousands of lines are not repeated here.
# --boot-time: zvmm also says how long the drain after the exit status took.
ZVMM_GUEST_CPUS=2 boot_guest console_burst --boot-time >/dev/null
hcheck "zvmm exit status" "$?" 0
tr -d '\r' <console_burst.log >console.txt
grep -a '^zvmm: ' console.txt
grep -a '^CONSOLE-BURST-LINES=' console.txt
lines="$(sed -n 's/^CONSOLE-BURST-LINES=\([0-9]*\).*/\1/p' console.txt)"
if [[ -z "$lines" ]]; then
  hbad "the guest printed no CONSOLE-BURST-LINES line"
  tail -n 20 console.txt
  host_finish
fi
for ((i = 1; i <= lines; i++)); do printf 'burst %06d\n' "$i"; done >want.txt
grep -a '^burst [0-9]*$' console.txt >got.txt
hcheck "burst lines received" "$(wc -l <got.txt)" "$lines"
if cmp -s want.txt got.txt; then
  hok "all $lines lines, in order"
else
  hbad "lines missing or out of order; first difference:"
  diff want.txt got.txt | head -5
  # Where the bytes went missing: zvmm counts every byte the guest wrote to THR
  # ("N bytes in all"); the log holds the console plus zvmm's own stderr lines.
  # Equal counts mean the guest never sent the lines (its kernel); fewer bytes
  # in the log mean they were lost on the way from zvmm to the file.
  first="$(diff want.txt got.txt | sed -n 's/^\([0-9]*\)[,acd].*/\1/p' | head -1)"
  echo "console bytes: zvmm sent $(sed -n 's/.*; \([0-9]*\) bytes in all).*/\1/p' console_burst.log)," \
    "the log holds $(grep -av '^zvmm: ' console_burst.log | wc -c) (zvmm lines excluded)"
  echo "the log after the last line before the first difference (cat -A):"
  grep -a -n -A4 "^burst $(printf %06d "$((first - 1))")" console_burst.log | cat -A | cut -c1-200
fi
# The status line follows the burst directly: nothing after it was lost either.
hcheck "line after the last burst line" \
  "$(grep -a -A1 "^burst $(printf %06d "$lines")\$" console.txt | sed -n 2p)" "ZVMM-GUEST-EXIT=0"
host_finish

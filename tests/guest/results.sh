# Test results for zvmm_guest_test and zvmm_host_test (sourced by
# run_guest_test.sh and run_host_test.sh): JUnit XML from the checks of
# tests/guest/lib.sh and host_lib.sh, files sent out of the guest with
# save_output, infrastructure failures.
# shellcheck shell=bash

results_cases=()  # "STATUS<US>NAME<US>MESSAGE<US>DETAIL" (US: \x1f), STATUS pass|fail|error

# results_add STATUS NAME [MESSAGE [DETAIL]]
results_add() {
  results_cases+=("$1"$'\x1f'"$2"$'\x1f'"${3:-}"$'\x1f'"${4:-}")
}

# results_clean LOG: the log without carriage returns and the control
# characters XML 1.0 forbids (the guest console has both).
results_clean() { tr -d '\r\000-\010\013\014\016-\037' <"$1"; }

# results_parse_checks LOG: one case per "ok: ..." / "FAIL: ..." line (and
# host_lib.sh's "host ok: ..." / "host FAIL: ..."), in order.
results_parse_checks() {
  local line prefix rest name rem got want
  while IFS= read -r line; do
    [[ "$line" =~ ^(host )?(ok|FAIL):\ (.*)$ ]] || continue
    prefix="${BASH_REMATCH[1]:+host: }" rest="${BASH_REMATCH[3]}"
    if [[ "${BASH_REMATCH[2]}" == ok ]]; then
      results_add pass "$prefix${rest%% = *}"
    elif [[ "$rest" == *" = '"*"', want '"*"'" ]]; then
      name="${rest%% = \'*}" rem="${rest#*= \'}"
      got="${rem%\', want \'*}" want="${rem##*\', want \'}"
      results_add fail "$prefix$name" "got '$got', want '${want%\'}'" "$line"
    elif [[ "$rest" == *": still running after "*" s: '"*"'" ]]; then  # run_watched
      name="${rest%%: still running after *}"
      results_add fail "$prefix$name" "${rest#"$name: "}" "$line"
    elif [[ "$rest" =~ ^(.*):\ \'(.*)\'\ exited\ with\ ([0-9]+)$ ]]; then
      name="${rest%%: \'*}"
      results_add fail "$prefix$name" "'${rest#*: \'}" "$line"
    else
      results_add fail "$prefix$rest" "$rest" "$line"
    fi
  done < <(results_clean "$1")
}

# results_extract_files LOG DIR: writes every file the guest sent with
# save_output (lib.sh) to DIR/NAME; prints the names.
results_extract_files() {
  local log="$1" dir="$2" name
  for name in $(results_clean "$log" | sed -n 's/^ZVMM-FILE-END \([A-Za-z0-9._-]*\)$/\1/p' | sort -u); do
    if results_clean "$log" | sed -n "s/^ZVMM-FILE $name \\([A-Za-z0-9+\\/=]*\\)\$/\\1/p" |
      base64 -d 2>/dev/null | gunzip -c >"$dir/$name" 2>/dev/null; then
      echo "$name"
    else
      echo "$name (damaged in transfer)"
    fi
  done
}

_xml() {
  local s="${1//&/&amp;}"
  s="${s//</&lt;}" s="${s//>/&gt;}" s="${s//\"/&quot;}"
  printf '%s' "$s"
}

# results_write_junit FILE SUITE SECONDS: the cases collected so far.
results_write_junit() {
  local out="$1" suite="$2" secs="$3" c st name msg detail fails=0 errors=0
  for c in "${results_cases[@]}"; do
    case "${c%%$'\x1f'*}" in fail) fails=$((fails + 1)) ;; error) errors=$((errors + 1)) ;; esac
  done
  {
    echo '<?xml version="1.0" encoding="UTF-8"?>'
    echo '<testsuites>'
    printf '<testsuite name="%s" tests="%d" failures="%d" errors="%d" time="%s">\n' \
      "$(_xml "$suite")" "${#results_cases[@]}" "$fails" "$errors" "$secs"
    for c in "${results_cases[@]}"; do
      IFS=$'\x1f' read -r st name msg detail <<<"$c"
      printf '  <testcase name="%s" classname="%s"' "$(_xml "$name")" "$(_xml "$suite")"
      case "$st" in
        pass) echo '/>' ;;
        fail) printf '>\n    <failure message="%s">%s</failure>\n  </testcase>\n' "$(_xml "$msg")" "$(_xml "${detail//\\n/$'\n'}")" ;;
        error) printf '>\n    <error message="%s">%s</error>\n  </testcase>\n' "$(_xml "$msg")" "$(_xml "${detail//\\n/$'\n'}")" ;;
      esac
    done
    echo '</testsuite>'
    echo '</testsuites>'
  } >"$out"
}

# results_infrastructure STATUS LOG [HOST_CONSOLE]: true (and the reason on
# stdout) when STATUS is the harness's or zvmm's own "cannot run a guest here"
# status and no guest reported a status (a guest script's exit 3 is the
# guest's, shown by the image's init as ZVMM-GUEST-EXIT=3), or when the
# emulated host reported an error of its own (ZVMM-HOST-ERROR on its console,
# e.g. no disk for the outputs) after the guest ran.
results_infrastructure() {
  local status="$1" log="$2" host_console="${3:-}" err
  if results_host_froze "$status" "$host_console"; then
    echo "the emulated KVM host froze: no heartbeat from its kernel (not zvmm; docs/testing.md, the freeze)"
    return 0
  fi
  if [[ ( "$status" == 125 || "$status" == 127 ) && -n "$host_console" ]] &&
     err="$(grep -a -m1 -o 'ZVMM-HOST-ERROR: .*' "$host_console" 2>/dev/null)"; then
    echo "the emulated KVM host failed: ${err#ZVMM-HOST-ERROR: } (tests/kvm-host/run exit $status)" | tr -d '\r'
    return 0
  fi
  grep -aq 'ZVMM-GUEST-EXIT=' "$log" 2>/dev/null && return 1
  case "$status" in
    3) echo "no usable /dev/kvm (zvmm exit 3)" ;;
    4) echo "/dev/kvm cannot boot Linux (PVM) and no emulated host was used (zvmm exit 4)" ;;
    125) echo "the emulated KVM host failed (tests/kvm-host/run exit 125)" ;;
    127) echo "qemu-system-x86_64 missing (tests/kvm-host/run exit 127)" ;;
    *) return 1 ;;
  esac
}

# results_host_froze STATUS HOST_CONSOLE: true when tests/kvm-host/run stopped
# a frozen emulated host (exit 125 and ZVMM-HOST-FROZEN on its console).
results_host_froze() { [[ "$1" == 125 ]] && grep -aq 'ZVMM-HOST-FROZEN' "$2" 2>/dev/null; }

# results_retry_frozen STATUS HOST_CONSOLE DEADLINE CMD_ARRAY_NAME: true when
# tests/kvm-host/run stopped a frozen emulated host (exit 125, ZVMM-HOST-FROZEN
# on its console: the host's kernel lost its CPU, docs/testing.md) and at
# least 120 s remain before DEADLINE (a $SECONDS value). Then it says so on
# stderr, adds the frozen attempt's host console to HOST_CONSOLE.frozen and sets
# the --timeout of the command in CMD_ARRAY_NAME to the time left: the caller
# runs it again. A freeze is the emulated host's fault, never zvmm's, and
# a fresh host does not inherit it.
results_retry_frozen() {
  local status="$1" host_console="$2" deadline="$3" i
  local -n retry_cmd="$4"
  results_host_froze "$status" "$host_console" || return 1
  ((deadline - SECONDS >= 120)) || return 1
  echo "results: the emulated KVM host froze (no heartbeat: not zvmm, docs/testing.md); running it again" >&2
  cat "$host_console" >>"$host_console.frozen" 2>/dev/null
  for i in "${!retry_cmd[@]}"; do
    [[ "${retry_cmd[$i]}" == --timeout ]] && retry_cmd[$((i + 1))]=$((deadline - SECONDS))
  done
  return 0
}

# results_run_retrying ATTEMPT HOST_CONSOLE DEADLINE CMD_ARRAY_NAME: runs the
# function ATTEMPT (it runs the command in CMD_ARRAY_NAME with the caller's
# redirections and returns its status) and, while results_retry_frozen says so,
# again: three attempts at most. Returns the status of the last attempt.
results_run_retrying() {
  local attempt="$1" status tries=1
  "$attempt"; status=$?
  while ((tries < 3)) && results_retry_frozen "$status" "$2" "$3" "$4"; do
    "$attempt"; status=$?
    tries=$((tries + 1))
  done
  return "$status"
}

# results_tail LOG N: the last N lines, cleaned, as one \n-joined string.
results_tail() { results_clean "$1" | tail -n "$2" | sed -z 's/\n/\\n/g'; }

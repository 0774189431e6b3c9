# Shared shell helpers for guest-images/ and tests/kvm-host/ (sourced, not run).
# shellcheck shell=bash

zvmm_cache_dir() {
  local dir="${ZVMM_CACHE:-}"
  if [[ -z "$dir" ]]; then
    if [[ -n "${HOME:-}" && -w "${HOME:-/nonexistent}" ]]; then
      dir="$HOME/.cache/zvmm"
    else
      dir="/var/tmp/zvmm-cache-$(id -u)"
    fi
  fi
  mkdir -p "$dir"
  printf '%s\n' "$dir"
}

zvmm_log() { printf '[%s] %s\n' "${ZVMM_LOG_TAG:-zvmm}" "$*" >&2; }
zvmm_die() { printf '[%s] error: %s\n' "${ZVMM_LOG_TAG:-zvmm}" "$*" >&2; exit 1; }

# The newest Debian kernel package of a series: 6.12 (default) or 6.1.
zvmm_kernel_package() {
  local series="$1" pattern
  case "$series" in
    6.12) pattern='^linux-image-6\.12\.[0-9]+\+deb12-cloud-amd64-unsigned$' ;;
    6.1) pattern='^linux-image-6\.1\.0-[0-9]+-cloud-amd64-unsigned$' ;;
    *) zvmm_die "unknown kernel series '$series' (expected 6.12 or 6.1)" ;;
  esac
  apt-cache pkgnames linux-image- 2>/dev/null | grep -E "$pattern" | sort -V | tail -n1
}

# Downloads a Debian package once per machine into the cache, checked against
# apt's SHA256; prints the path of the .deb.
zvmm_fetch_deb() {
  local pkg="$1" cache ver sha deb
  cache="$(zvmm_cache_dir)/debs"
  mkdir -p "$cache"
  ver="$(apt-cache policy "$pkg" | awk '/Candidate:/ {print $2}')"
  [[ -n "$ver" && "$ver" != "(none)" ]] || zvmm_die "apt knows no candidate for $pkg (run apt-get update?)"
  sha="$(apt-cache show "$pkg=$ver" | awk '/^SHA256:/ {print $2; exit}')"
  [[ -n "$sha" ]] || zvmm_die "apt has no SHA256 for $pkg=$ver"
  deb="$cache/${pkg}_${ver//:/%3a}_amd64.deb"
  if [[ -f "$deb" ]] && echo "$sha  $deb" | sha256sum --quiet -c - 2>/dev/null; then
    printf '%s\n' "$deb"
    return
  fi
  zvmm_log "downloading $pkg $ver (once per machine)"
  rm -f "$deb"
  (cd "$cache" && apt-get download -q "$pkg=$ver" >&2) || zvmm_die "apt-get download $pkg=$ver failed"
  local got
  got="$(ls -t "$cache"/"${pkg}"_*.deb | head -n1)"
  [[ "$got" == "$deb" ]] || mv -f "$got" "$deb"
  echo "$sha  $deb" | sha256sum --quiet -c - || { rm -f "$deb"; zvmm_die "sha256 mismatch for $deb"; }
  printf '%s\n' "$deb"
}

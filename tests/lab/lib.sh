# shellcheck shell=bash disable=SC2034
# lib.sh - shared by the lab scripts (sourced, never run): the cache folder, the
# Debian mirror, a private apt configuration, and the lab's exit-status rules.
#
# The lab downloads foreign-architecture (ppc64el) and bookworm-backports packages
# with its own apt configuration under the cache folder: the host's apt sources,
# lists and dpkg architectures are never changed, and nothing is installed from
# those downloads (they are unpacked with dpkg-deb -x).
#
# Exit statuses of every lab script:
#   0..123  the guest command's own status (lab.sh run)
#   77      skip: a package could not be fetched (mirror down or mid-sync),
#           or not root, or not a Debian amd64 host
#   124     the guest hung or died before the command finished (time limit)
#   125     any other lab failure (a bug: fails the test)

LAB_SKIP=77
LAB_HUNG=124
LAB_ERROR=125

LAB_ME=${LAB_ME:-$(basename "$0")}
LAB_CACHE=$(realpath -m "${PMUX_LAB_CACHE:-/var/cache/pmux-lab}")
LAB_MIRROR=${PMUX_LAB_MIRROR:-}
LAB_ARCH=powerpc64le-linux-gnu

lab_log() { echo "$LAB_ME: $*" >&2; }
lab_die() { echo "$LAB_ME: error: $*" >&2; exit "$LAB_ERROR"; }
lab_skip() { echo "$LAB_ME: SKIP: $*" >&2; exit "$LAB_SKIP"; }

# lab_init_cache: create (or check) the cache folder; refuse a foreign folder.
lab_init_cache() {
  [ "$(id -u)" = 0 ] || lab_skip "the lab installs packages and needs root"
  [ "$(dpkg --print-architecture 2>/dev/null)" = amd64 ] || lab_skip "the lab is written for a Debian amd64 host"
  case "$LAB_CACHE" in *[[:space:]]*) lab_die "cache path has white space: $LAB_CACHE";; esac
  if [ -d "$LAB_CACHE" ] && [ ! -e "$LAB_CACHE/.pmux-lab" ] && [ -n "$(ls -A "$LAB_CACHE")" ]; then
    lab_die "$LAB_CACHE is not empty and not a pmux lab cache (set PMUX_LAB_CACHE)"
  fi
  mkdir -p "$LAB_CACHE/stamps" "$LAB_CACHE/debs"
  touch "$LAB_CACHE/.pmux-lab"
}

# lab_lock NAME: serialise set-up steps between concurrent lab scripts (ctest -j).
lab_lock() {
  exec {LAB_LOCK_FD}> "$LAB_CACHE/.lock-$1"
  flock "$LAB_LOCK_FD"
}
lab_unlock() { flock -u "$LAB_LOCK_FD"; }

# lab_host_packages PKG...: apt-get install the host packages not yet installed.
# A download failure is a skip (the mirror), anything else an error.
lab_host_packages() {
  local p need=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
  done
  [ ${#need[@]} -eq 0 ] && return 0
  lab_log "apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends "${need[@]}" > "$LAB_CACHE/apt-host.log" 2>&1; then
    apt-get update -q >> "$LAB_CACHE/apt-host.log" 2>&1 || true
    if ! apt-get install -y -q --no-install-recommends "${need[@]}" >> "$LAB_CACHE/apt-host.log" 2>&1; then
      tail -n 5 "$LAB_CACHE/apt-host.log" >&2
      if grep -q -E '^(E: Failed to fetch|E: Unable to locate|E: Package .* has no installation candidate|Err:)' "$LAB_CACHE/apt-host.log"; then
        lab_skip "host packages cannot be fetched from the mirror: ${need[*]}"
      fi
      lab_die "apt-get install ${need[*]} failed (see $LAB_CACHE/apt-host.log)"
    fi
  fi
}

lab_find_mirror() {
  [ -n "$LAB_MIRROR" ] && return 0
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    LAB_MIRROR=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' "$f")
    [ -n "$LAB_MIRROR" ] && return 0
  done
  if [ -r /etc/apt/sources.list ]; then
    LAB_MIRROR=$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; exit}}' /etc/apt/sources.list)
  fi
  [ -n "$LAB_MIRROR" ] || lab_die "no Debian mirror in the apt sources: set PMUX_LAB_MIRROR"
}

# The private apt: its own sources, lists and archive cache under $LAB_CACHE/apt,
# architectures amd64 and ppc64el, suites bookworm, -updates and -backports.
lab_papt() {
  local a=$LAB_CACHE/apt
  "$1" -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$a/sources.list.d" \
    -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts="$a/preferences.d" \
    -o Dir::State::Lists="$a/lists" -o Dir::State::Status="$a/status" -o Dir::Cache="$a/cache" \
    -o APT::Architecture=amd64 -o APT::Architectures::=amd64 -o APT::Architectures::=ppc64el \
    -o Debug::NoLocking=1 -o APT::Sandbox::User=root -o Acquire::Languages=none \
    -o Acquire::GzipIndexes=true -o Acquire::CompressionTypes::Order::=gz -q "${@:2}"
}

# lab_papt_update [force]: fetch the private package lists (once; again if forced).
lab_papt_update() {
  local a=$LAB_CACHE/apt
  if [ "${1:-}" != force ] && [ -e "$LAB_CACHE/stamps/apt-lists" ]; then return 0; fi
  lab_find_mirror
  mkdir -p "$a/sources.list.d" "$a/preferences.d" "$a/lists/partial" "$a/cache/archives/partial"
  : > "$a/status"
  cat > "$a/sources.list.d/pmux-lab.sources" <<SRC
Types: deb
URIs: $LAB_MIRROR
Suites: bookworm bookworm-updates bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  lab_log "fetching private package lists from $LAB_MIRROR (amd64+ppc64el)"
  if ! lab_papt apt-get update > "$LAB_CACHE/apt-lists.log" 2>&1; then
    tail -n 5 "$LAB_CACHE/apt-lists.log" >&2
    lab_log "warning: some package lists could not be fetched"
  fi
  rm -f "$a"/cache/*.bin
  touch "$LAB_CACHE/stamps/apt-lists"
}

# lab_download DIR PKG...: download .debs into DIR (emptied first).  Retries once
# with fresh lists; a package still not fetched means the mirror: skip.
lab_download() {
  local dir=$1; shift
  rm -rf "$dir"; mkdir -p "$dir"
  lab_papt_update
  if ( cd "$dir" && lab_papt apt-get download "$@" ) > "$LAB_CACHE/download.log" 2>&1; then
    return 0
  fi
  lab_papt_update force
  rm -f "$dir"/*.deb
  if ( cd "$dir" && lab_papt apt-get download "$@" ) > "$LAB_CACHE/download.log" 2>&1; then
    return 0
  fi
  tail -n 5 "$LAB_CACHE/download.log" >&2
  lab_skip "cannot fetch $* from $LAB_MIRROR (mirror down or mid-sync)"
}

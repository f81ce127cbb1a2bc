#!/bin/sh
# A Debian 13 (trixie) root with Wine 10, for running the win32-x64 build on this Linux machine.
# Debian 12's Wine 8 cannot run Node 24+ (no MEM_RESERVE_PLACEHOLDER, no bcryptprimitives.dll);
# trixie's Wine 10 can. The root is made once with debootstrap (about 3 minutes, 1.5 GB) and
# kept between runs; the host's apt sources are never touched.
#
#   scripts/wine-root.sh prepare        make the root if it is not there (needs root)
#   scripts/wine-root.sh run DIR CMD…   run CMD inside the root, with DIR bind-mounted at /work
#
# DCM_WINE_ROOT overrides where the root lives (default /var/cache/dcm-test/trixie-wine).
set -eu
# debootstrap, chroot and a private mount namespace need root: as another user, ask sudo.
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "wine-root: root is needed (debootstrap, chroot, mount)" >&2; exit 1; }
  exec sudo -n "$0" "$@"
fi
ROOT="${DCM_WINE_ROOT:-/var/cache/dcm-test/trixie-wine}"
MIRROR="${DCM_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

prepare() {
  [ -f "$ROOT/.dcm-ready" ] && return 0
  command -v debootstrap >/dev/null || { echo "wine-root: debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }
  rm -rf "$ROOT.partial"
  mkdir -p "$(dirname "$ROOT")"
  debootstrap --variant=minbase trixie "$ROOT.partial" "$MIRROR" >"$ROOT.log" 2>&1 || { tail -5 "$ROOT.log" >&2; exit 1; }
  chroot "$ROOT.partial" sh -c 'dpkg --add-architecture i386 >/dev/null 2>&1; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wine wine64 ca-certificates >/dev/null' >>"$ROOT.log" 2>&1 || { tail -5 "$ROOT.log" >&2; exit 1; }
  chroot "$ROOT.partial" apt-get clean
  touch "$ROOT.partial/.dcm-ready"
  rm -rf "$ROOT"
  mv "$ROOT.partial" "$ROOT"
}

run() {
  dir="$1"; shift
  [ -f "$ROOT/.dcm-ready" ] || { echo "wine-root: no Wine root at $ROOT (scripts/wine-root.sh prepare)" >&2; exit 1; }
  # A private mount namespace: the binds vanish with the process, nothing stays mounted.
  exec unshare -m sh -c '
    set -e
    root="$1"; dir="$2"; shift 2
    mount --make-rprivate /
    mkdir -p "$root/work" "$root/proc" "$root/dev" "$root/tmp"
    mount --bind "$dir" "$root/work"
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    mount -t tmpfs tmpfs "$root/tmp"
    mkdir -p "$root/tmp/home"; exec chroot "$root" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp/home WINEPREFIX=/tmp/home/.wine WINEDEBUG=-all "$@"
  ' sh "$ROOT" "$dir" "$@"
}

case "${1:-}" in
  prepare) prepare ;;
  run) shift; run "$@" ;;
  *) echo "usage: scripts/wine-root.sh prepare | run DIR CMD..." >&2; exit 2 ;;
esac

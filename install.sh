#!/bin/sh
# Installs dcm for one user: bin/dcm and the bin/docker-credential-dcm link Docker looks for.
#
#   ./install.sh [--prefix DIR] [--archive FILE] [--configure-docker] [--uninstall]
#
#   --prefix DIR         install into DIR/bin (default: ~/.local; /usr/local is the other
#                        usual place on macOS, with sudo)
#   --archive FILE       install from a downloaded release archive (dcm-VERSION-OS-ARCH.tar.gz),
#                        checked against the SHA256SUMS file beside it before it is unpacked
#   --configure-docker   also set "credsStore": "dcm" in $DOCKER_CONFIG/config.json (default
#                        ~/.docker): backed up first, other keys kept, written atomically, 0600
#   --uninstall          put credsStore back as it was before dcm, then remove what was installed
#
# From an unpacked release archive it installs the dcm beside it; from a checkout it builds
# dist/ first (npm ci, npm run build) when there is no fresh build. Linux and macOS, sh/bash/zsh.
set -eu

prefix="${HOME}/.local"
configure=0
uninstall=0
archive=
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || { echo "install.sh: --prefix needs a directory" >&2; exit 2; }; prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    --archive) [ $# -ge 2 ] || { echo "install.sh: --archive needs a file" >&2; exit 2; }; archive=$2; shift 2 ;;
    --archive=*) archive=${1#--archive=}; shift ;;
    --configure-docker) configure=1; shift ;;
    --uninstall) uninstall=1; shift ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see ./install.sh --help)" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")" && pwd)
bin="$prefix/bin"

if [ "$uninstall" = 1 ]; then
  if [ -x "$bin/dcm" ]; then "$bin/dcm" setup --undo; fi
  rm -f "$bin/docker-credential-dcm" "$bin/dcm"
  echo "Removed dcm from $bin. Credentials stay in the keychain; \`dcm logout --all\` before uninstalling removes them."
  exit 0
fi

if [ -n "$archive" ]; then
  # Checked before a byte of it is unpacked: the line SHA256SUMS gives for this file name.
  [ -f "$archive" ] || { echo "install.sh: no archive $archive" >&2; exit 2; }
  sums="$(cd "$(dirname "$archive")" && pwd)/SHA256SUMS"
  name=$(basename "$archive")
  [ -f "$sums" ] || { echo "install.sh: no SHA256SUMS beside $archive; download it from the same release" >&2; exit 2; }
  expected=$(awk -v n="$name" '$2 == n { print $1 }' "$sums")
  [ -n "$expected" ] || { echo "install.sh: SHA256SUMS has no line for $name" >&2; exit 2; }
  if command -v sha256sum >/dev/null 2>&1; then actual=$(sha256sum "$archive" | awk '{ print $1 }')
  else actual=$(shasum -a 256 "$archive" | awk '{ print $1 }'); fi
  if [ "$actual" != "$expected" ]; then
    echo "install.sh: $name has SHA-256 $actual, not the $expected SHA256SUMS gives: not installing it" >&2
    exit 1
  fi
  unpacked=$(mktemp -d "${TMPDIR:-/tmp}/dcm-install.XXXXXX")
  trap 'rm -rf "$unpacked"' EXIT
  tar -xzf "$archive" -C "$unpacked"
  source_binary=$(find "$unpacked" -name dcm -type f | head -n 1)
  [ -n "$source_binary" ] || { echo "install.sh: $name holds no dcm" >&2; exit 1; }
elif [ -x "$root/dcm" ] && [ ! -d "$root/src" ]; then
  # An unpacked release archive: the binary is beside this script.
  source_binary="$root/dcm"
else
  # A build is fresh when dist/dcm is newer than every source file and the lock file.
  stale=1
  if [ -x "$root/dist/dcm" ]; then
    newer=$(find "$root/src" "$root/package.json" "$root/package-lock.json" "$root/scripts" -newer "$root/dist/dcm" -print 2>/dev/null | head -n 1)
    [ -z "$newer" ] && stale=0
  fi
  if [ "$stale" = 1 ]; then
    echo "Building dcm (npm ci, npm run build)..."
    (cd "$root" && npm ci --no-fund --no-audit --no-update-notifier --loglevel=error && npm run --silent build)
  fi
  source_binary="$root/dist/dcm"
fi

mkdir -p "$bin"
# Copy then rename: replacing a binary that is running (a docker pull in progress) is safe.
cp "$source_binary" "$bin/.dcm.new.$$"
chmod 755 "$bin/.dcm.new.$$"
mv -f "$bin/.dcm.new.$$" "$bin/dcm"
ln -sf dcm "$bin/docker-credential-dcm"
echo "Installed $bin/dcm and $bin/docker-credential-dcm: $("$bin/dcm" --version)"

on_path=1
case ":$PATH:" in
  *":$bin:"*) ;;
  *) on_path=0
     echo "Note: $bin is not on your PATH, so Docker will not find docker-credential-dcm. Add it:"
     echo "  export PATH=\"$bin:\$PATH\"   # e.g. in ~/.profile" ;;
esac

if [ "$configure" = 1 ]; then
  # Docker runs docker-credential-dcm by name: pointing it there before PATH holds it breaks
  # every docker login. (dcm setup itself refuses when the store cannot be used here.)
  if [ "$on_path" = 0 ]; then
    echo "install.sh: Docker was not configured: add $bin to PATH first, then run: dcm setup" >&2
    exit 1
  fi
  "$bin/dcm" setup
else
  # Docker Desktop (macOS, Windows) sets credsStore "desktop"; it is replaced only when asked.
  config="${DOCKER_CONFIG:-$HOME/.docker}/config.json"
  current=$(sed -n 's/.*"credsStore"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$config" 2>/dev/null | head -n 1)
  if [ -n "$current" ] && [ "$current" != dcm ]; then
    echo "Docker keeps logins with credsStore \"$current\" ($config). To use dcm instead: ./install.sh --configure-docker"
    echo "  (or \`dcm setup\`; the file is backed up first, and \`dcm import --from $current\` copies the logins it holds)."
  fi
fi

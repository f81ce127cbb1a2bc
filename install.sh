#!/bin/sh
# Installs dcm for one user: bin/dcm and the bin/docker-credential-dcm link Docker looks for.
#
#   ./install.sh [--prefix DIR] [--configure-docker] [--uninstall]
#
#   --prefix DIR         install into DIR/bin (default: ~/.local)
#   --configure-docker   also set "credsStore": "dcm" in $DOCKER_CONFIG/config.json (default
#                        ~/.docker): backed up first, other keys kept, written atomically, 0600
#   --uninstall          put credsStore back as it was before dcm, then remove what was installed
#
# Builds dist/ first (npm ci, npm run build) when there is no fresh build.
set -eu

prefix="${HOME}/.local"
configure=0
uninstall=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || { echo "install.sh: --prefix needs a directory" >&2; exit 2; }; prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    --configure-docker) configure=1; shift ;;
    --uninstall) uninstall=1; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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

# A build is fresh when dist/dcm is newer than every source file and the lock file.
stale=1
if [ -x "$root/dist/dcm" ]; then
  newer=$(find "$root/src" "$root/package.json" "$root/package-lock.json" "$root/scripts/build.ts" -newer "$root/dist/dcm" -print 2>/dev/null | head -n 1)
  [ -z "$newer" ] && stale=0
fi
if [ "$stale" = 1 ]; then
  echo "Building dcm (npm ci, npm run build)..."
  (cd "$root" && npm ci --no-fund --no-audit --no-update-notifier --loglevel=error && npm run --silent build)
fi

mkdir -p "$bin"
# Copy then rename: replacing a binary that is running (a docker pull in progress) is safe.
cp "$root/dist/dcm" "$bin/.dcm.new.$$"
chmod 755 "$bin/.dcm.new.$$"
mv -f "$bin/.dcm.new.$$" "$bin/dcm"
ln -sf dcm "$bin/docker-credential-dcm"
echo "Installed $bin/dcm and $bin/docker-credential-dcm: $("$bin/dcm" --version)"

case ":$PATH:" in
  *":$bin:"*) ;;
  *) echo "Note: $bin is not on your PATH, so Docker will not find docker-credential-dcm. Add it:"
     echo "  export PATH=\"$bin:\$PATH\"   # e.g. in ~/.profile" ;;
esac

if [ "$configure" = 1 ]; then
  "$bin/dcm" setup
fi

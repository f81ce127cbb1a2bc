#!/bin/sh
# The whole test suite: unit tests, then integration tests against a private Secret Service
# (its own D-Bus session and gnome-keyring), the real CNCF registry, the Docker CLI, skopeo and
# Docker's Go reference helper. Nothing touches the user's own HOME, keychain or Docker config.
# Extra arguments go to vitest (e.g. `npm test -- --project unit`).
set -eu
cd "$(dirname "$0")/.."

missing=""
for tool in dbus-run-session gnome-keyring-daemon docker-registry skopeo docker-credential-secretservice htpasswd docker openssl; do
  command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
  echo "scripts/test.sh: missing:$missing. Install them with: sudo scripts/install-test-deps.sh" >&2
  exit 1
fi

run_dir=$(mktemp -d "${TMPDIR:-/tmp}/dcm-test.XXXXXX")
cleanup() { rm -rf "$run_dir"; }
trap cleanup EXIT INT TERM

export HOME="$run_dir/home" XDG_RUNTIME_DIR="$run_dir/run" DCM_TEST_TMP="$run_dir/tmp" DCM_TEST_SESSION=1
unset XDG_STATE_HOME XDG_CACHE_HOME XDG_CONFIG_HOME XDG_DATA_HOME DOCKER_CONFIG DOCKER_AUTH_CONFIG \
  HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy
mkdir -p "$HOME" "$XDG_RUNTIME_DIR" "$DCM_TEST_TMP"
chmod 700 "$XDG_RUNTIME_DIR"

# The binary tests run what users install: build it fresh.
npm run --silent build >/dev/null

# The keyring password must be non-empty, or gnome-keyring creates no default collection and
# every write fails with "no result found".
dbus-run-session -- sh -c '
  printf dcm-test-keyring | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null
  vitest run "$@"
' sh "$@"

#!/bin/sh
# Runs a command inside a private keychain: its own D-Bus session with an unlocked
# gnome-keyring, under a throwaway HOME and XDG_RUNTIME_DIR, so nothing touches the user's own
# HOME, keychain or Docker config. Used by the test suite and the benchmark.
#
#   scripts/with-keyring.sh COMMAND [ARG...]
set -eu

run_dir=$(mktemp -d "${TMPDIR:-/tmp}/dcm-keyring.XXXXXX")
cleanup() { rm -rf "$run_dir"; }
trap cleanup EXIT INT TERM

export HOME="$run_dir/home" XDG_RUNTIME_DIR="$run_dir/run" DCM_TEST_TMP="$run_dir/tmp" DCM_TEST_SESSION=1
unset XDG_STATE_HOME XDG_CACHE_HOME XDG_CONFIG_HOME XDG_DATA_HOME DOCKER_CONFIG DOCKER_AUTH_CONFIG \
  HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy
mkdir -p "$HOME" "$XDG_RUNTIME_DIR" "$DCM_TEST_TMP"
chmod 700 "$XDG_RUNTIME_DIR"

# The keyring password must be non-empty, or gnome-keyring creates no default collection and
# every write fails with "no result found". (In a container dbus-daemon says it cannot raise its
# file limit: harmless.)
dbus-run-session -- sh -c '
  printf dcm-test-keyring | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null
  "$@"
' sh "$@"

#!/bin/sh
# The whole test suite: unit tests, then integration tests against a private Secret Service
# (its own D-Bus session and gnome-keyring), the real CNCF registry, the Docker CLI, skopeo and
# Docker's Go reference helper. Nothing touches the user's own HOME, keychain or Docker config.
# Extra arguments go to vitest (e.g. `npm test -- --project integration`, or
# `npm run test:fast`, which is this script with `--tags-filter=!stress`).
set -eu
cd "$(dirname "$0")/.."

missing=""
for tool in dbus-run-session dbus-send gnome-keyring-daemon docker-registry skopeo docker-credential-secretservice htpasswd docker openssl secret-tool cc unshare ip mkfifo; do
  command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
  echo "scripts/test.sh: missing:$missing. Install them with: scripts/install-test-deps.sh" >&2
  exit 1
fi

# Types first: strict TypeScript over src, test and scripts. Then Biome: lint, formatting, and
# the module boundaries and import cycles (biome.json).
tsc --noEmit -p .
biome ci --reporter=summary .

# The binary tests run what users install: build it fresh, when they are selected (every
# project runs when none is named).
build=yes
case " $* " in
  *" --project "*) case " $* " in *" --project binary "*|*" --project=binary "*) ;; *) build=no ;; esac ;;
esac
if [ "$build" = yes ]; then npm run --silent build >/dev/null; fi

exec scripts/with-keyring.sh vitest run "$@"

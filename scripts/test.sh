#!/bin/sh
# The whole test suite: unit tests, then integration tests against a private Secret Service
# (its own D-Bus session and gnome-keyring), the real CNCF registry, the Docker CLI, skopeo and
# Docker's Go reference helper. Nothing touches the user's own HOME, keychain or Docker config.
# Extra arguments go to vitest (e.g. `npm test -- --project integration`, or
# `npm run test:fast`, which is this script with `--tags-filter=!stress`).
set -eu
cd "$(dirname "$0")/.."

missing=""
for tool in dbus-run-session dbus-send gnome-keyring-daemon docker-registry skopeo podman buildah docker-credential-secretservice htpasswd docker openssl secret-tool cc unshare ip mkfifo qemu-aarch64-static llvm-objcopy-14 llvm-readobj-14 osslsigncode debootstrap python3; do
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

# The binary tests run what users install, and the cross tests the five release binaries: build
# them fresh when they are selected (every project runs when none is named).
selected_project() {
  case " $* " in
    *" --project "*|*" --project="*) case " $* " in *" --project $1 "*|*" --project=$1 "*) return 0 ;; *) return 1 ;; esac ;;
  esac
  return 0
}
if selected_project binary "$@" || selected_project cross "$@"; then npm run --silent build >/dev/null; fi
if selected_project cross "$@"; then npm run --silent build -- --all >/dev/null; fi

exec scripts/with-keyring.sh vitest run "$@"

#!/bin/sh
# Debian packages the test suite talks to: a real Secret Service (dbus, gnome-keyring), the
# real CNCF registry, skopeo, podman and buildah (containers/image: they read credential-helpers,
# not credsStore), Docker's Go reference helpers, pass, htpasswd (apache2-utils),
# openssl, hyperfine (benchmarks), tmux (terminal tests), secret-tool (libsecret-tools: items
# other programs file under dcm's service), a C compiler (gcc, libc6-dev: the planted shared
# object of the addon-cache test), iproute2 and util-linux (private network namespaces),
# python3-dbus and python3-gi (a prompter that never answers, test/fixtures/silent-prompter.py).
# For the cross-built release binaries (test/cross): llvm-14 (llvm-strip for arm64, llvm-objcopy
# and llvm-readobj to check against), osslsigncode (Authenticode), qemu-user-static with the
# arm64 C and C++ runtimes (linux-arm64 runs under qemu), debootstrap (the Debian 13 root with
# Wine 10 that runs win32-x64: scripts/wine-root.sh, made here once, about 3 minutes). The
# Docker CLI itself is expected on the machine (docker login/logout need no engine).
# For the cloud providers (issue 24): awscli, amazon-ecr-credential-helper and python3-botocore
# (the ECR stand-in checks every SigV4 signature with botocore; AWS's own clients prove the
# stand-in answers as ECR does), and gh (`gh auth token` for --provider github).
set -eu
packages="dbus dbus-bin gnome-keyring docker-registry skopeo podman buildah golang-docker-credential-helpers pass gnupg apache2-utils openssl hyperfine time tmux libsecret-tools gcc libc6-dev binutils zsh fish iproute2 util-linux python3-dbus python3-gi llvm-14 osslsigncode qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libatomic1-arm64-cross debootstrap awscli amazon-ecr-credential-helper python3-botocore gh"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
wine_root() { "$(dirname "$0")/wine-root.sh" prepare; }
if [ -z "$missing" ]; then wine_root; exit 0; fi
as_root=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root="sudo"
  else
    echo "install-test-deps: root is needed to install:$missing" >&2
    exit 1
  fi
fi
$as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
wine_root

#!/usr/bin/env bash
# Installs exactly the Debian 12 packages Safeguard needs to build, test and
# render its screens. Idempotent: when every package is present it does
# nothing (no apt-get update, no network). Must run as root on Debian 12.
set -euo pipefail

packages=(
  # toolchain
  g++ clang-14 libclang-rt-14-dev cmake ninja-build pkg-config clang-format-14
  # Qt 6.4
  qt6-base-dev qt6-base-dev-tools qt6-declarative-dev qt6-declarative-dev-tools
  qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools qt6-qpa-plugins
  qml6-module-qtqml qml6-module-qtqml-workerscript qml6-module-qtquick
  qml6-module-qtquick-controls qml6-module-qtquick-layouts
  qml6-module-qtquick-templates qml6-module-qtquick-window qml6-module-qttest
  qtkeychain-qt6-dev
  # storage, wire format, cryptography, HTTP
  libsqlcipher-dev libsqlite3-dev libprotobuf-dev protobuf-compiler
  libsodium-dev libzxcvbn-dev libmicrohttpd-dev libssl-dev
  # the hub tests rotate its certificate to the backup key with the CLI
  openssl
  # headless rendering and the processes tests drive
  fonts-dejavu-core xvfb xauth libgl1-mesa-dri procps
  # the raw-disk wipe test makes and loop-mounts an ext4 image
  e2fsprogs mount
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages (${missing[*]}); run as root to install them" >&2
  exit 1
fi

echo "install-deps: installing ${#missing[@]} package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"

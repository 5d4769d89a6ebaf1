#!/usr/bin/env bash
# Proves the quick start on a bare system: runs `bash scripts/COMMAND.sh`
# (test or run) on a clean clone of HEAD inside a fresh minbase Debian 12
# chroot, as root, with nothing else installed. A cached pristine chroot is
# copied for each run, so nothing from an earlier run leaks in.
#   scripts/check-fresh-debian.sh [test|run] [CACHE_DIR]
#   (for run, set SAFEGUARD_RUN_SECONDS so the hub stops by itself)
set -euo pipefail
command=${1:-test}
cache=${2:-/var/tmp/safeguard-chroot}
repo=$(cd "$(dirname "$0")/.." && pwd)

if [ ! -x "${cache}/pristine/bin/bash" ]; then
  command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap
  mkdir -p "${cache}"
  debootstrap --variant=minbase bookworm "${cache}/pristine"
fi

root="${cache}/run-$$"
rm -rf "${root}"
cp -a "${cache}/pristine" "${root}"
cleanup() {
  umount -l "${root}/proc" 2>/dev/null || true
  umount -l "${root}/dev" 2>/dev/null || true
  umount -l "${root}/sys" 2>/dev/null || true
  [ "${KEEP_CHROOT:-0}" = 1 ] || rm -rf "${root}"
}
trap cleanup EXIT

git -C "${repo}" archive --format=tar --prefix=safeguard/ HEAD | tar -x -C "${root}/root"
cp /etc/resolv.conf "${root}/etc/resolv.conf"
mount -t proc proc "${root}/proc"
mount --rbind /dev "${root}/dev"
mount -t sysfs sys "${root}/sys"

chroot "${root}" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  LANG=C.UTF-8 ${SAFEGUARD_RUN_SECONDS:+SAFEGUARD_RUN_SECONDS=$SAFEGUARD_RUN_SECONDS} /bin/bash -c "cd /root/safeguard && bash scripts/${command}.sh"

#!/usr/bin/env bash
# The main job: installs what is needed, builds the default preset, starts
# the hub on its embedded default store and opens the officer app.
#
#   bash scripts/run.sh           start (again): the same hub, the same address
#   bash scripts/run.sh --reset   start again from nothing (deletes var/)
#
# Everything lives under var/ in the repository (0700): the hub's store in
# var/hub/ (SQLite, plain HTTP on loopback only) and the officer app's
# encrypted store in var/app/. The hub keeps the port it first chose
# (var/hub/port), so an app enrolled yesterday still reaches today's hub.
# An enrolment code is printed only while the app is not yet set up. With a
# display the app opens; without one the hub keeps serving until Ctrl-C. Set
# SAFEGUARD_RUN_SECONDS to stop after that long.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

if [ "${1:-}" = "--reset" ]; then
  echo "Deleting var/ (the hub's and the app's synthetic data): starting from nothing."
  rm -rf var
elif [ -n "${1:-}" ]; then
  echo "usage: bash scripts/run.sh [--reset]" >&2
  exit 2
fi

stage "install packages" scripts/install-deps.sh
stage "build default" build_preset default

data=var/hub
app_store=var/app/store
mkdir -p var "${data}" var/app && chmod 700 var

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ -s "${data}/port" ]; then
  port=$(cat "${data}/port")
  if port_in_use "${port}"; then
    echo "Port ${port} on 127.0.0.1 is in use: is the hub already running (another run.sh)?" >&2
    echo "Stop it and run again. (bash scripts/run.sh --reset starts from nothing on a new" >&2
    echo "port; an app set up before must then be set up again.)" >&2
    exit 1
  fi
else
  # Chosen once: the first free port from 47110.
  port=47110
  while port_in_use "${port}"; do port=$((port + 1)); done
  echo "${port}" > "${data}/port"
fi

rm -f "${data}/hub.url"
build/bin/safeguard-hub serve --data-dir "${data}" --listen "127.0.0.1:${port}" --plain-http &
hub=$!
trap 'kill ${hub} 2>/dev/null || true; wait ${hub} 2>/dev/null || true' EXIT INT TERM

for _ in $(seq 1 100); do
  [ -s "${data}/hub.url" ] && break
  kill -0 "${hub}" 2>/dev/null || { echo "the hub did not start" >&2; exit 1; }
  sleep 0.1
done
url=$(cat "${data}/hub.url")
echo
echo "The hub is serving at ${url} (its data in ${data}/, the app's in var/app/)."
if [ -f "${app_store}/vault.bin" ]; then
  echo "The officer app here is already set up: unlock it with your passphrase."
  echo "(Forgotten it? bash scripts/run.sh --reset starts again from nothing.)"
else
  echo "An enrolment code for officer SYN-OFFICER-0001 (valid 1 hour, one use):"
  # --by names who issued the code, for the hub's audit (a staff command).
  build/bin/safeguard-hub enrol-device --data-dir "${data}" --by "run.sh ${USER:-$(id -un)}" \
    --officer SYN-OFFICER-0001 --hub-url "${url}"
fi
echo

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "Opening the officer app. Closing its window stops the hub too."
  build/bin/safeguard --store "${app_store}" || true
elif [ -n "${SAFEGUARD_RUN_SECONDS:-}" ]; then
  sleep "${SAFEGUARD_RUN_SECONDS}"
else
  echo "No display here: on a desktop, run build/bin/safeguard --store ${app_store}"
  echo "to open the officer app. The hub keeps serving; press Ctrl-C to stop it."
  wait "${hub}"
fi

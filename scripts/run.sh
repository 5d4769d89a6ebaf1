#!/usr/bin/env bash
# The main job: installs what is needed, builds the default preset, starts
# the hub on its embedded default store (SQLite in var/hub/, plain HTTP on
# loopback only) and prints an enrolment code for a synthetic officer. With
# a display it then opens the officer app; without one the hub keeps
# serving until Ctrl-C. Set SAFEGUARD_RUN_SECONDS to stop after that long.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

stage "install packages" scripts/install-deps.sh
stage "build default" build_preset default

data=var/hub
mkdir -p var && chmod 700 var
rm -f "${data}/hub.url"
build/bin/safeguard-hub serve --data-dir "${data}" --listen 127.0.0.1:0 --plain-http &
hub=$!
trap 'kill ${hub} 2>/dev/null || true; wait ${hub} 2>/dev/null || true' EXIT INT TERM

for _ in $(seq 1 100); do
  [ -s "${data}/hub.url" ] && break
  kill -0 "${hub}" 2>/dev/null || { echo "the hub did not start" >&2; exit 1; }
  sleep 0.1
done
url=$(cat "${data}/hub.url")
echo
echo "The hub is serving at ${url} (data in ${data}/)."
echo "An enrolment code for officer SYN-OFFICER-0001 (valid 1 hour, one use):"
# --by names who issued the code, for the hub's audit (a staff command).
build/bin/safeguard-hub enrol-device --data-dir "${data}" --by "run.sh ${USER:-$(id -un)}" \
  --officer SYN-OFFICER-0001 --hub-url "${url}"
echo

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "Opening the officer app; paste the code above on its first screen."
  build/bin/safeguard || true
elif [ -n "${SAFEGUARD_RUN_SECONDS:-}" ]; then
  sleep "${SAFEGUARD_RUN_SECONDS}"
else
  echo "No display here: run build/bin/safeguard on a desktop to open the officer app."
  echo "The hub keeps serving; press Ctrl-C to stop it."
  wait "${hub}"
fi

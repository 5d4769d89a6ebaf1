#!/usr/bin/env bash
# CPU per record on each side of one device's drain of 10,000 records:
# starts a hub on loopback, sets up one simulated device (init, generate,
# enrol, submit-all), then times `safeguard-devicesim sync` (locked device)
# and reads the hub's CPU from /proc. A profiling aid for docs/PERFORMANCE.md;
# the benchmark proper is `build/bin/safeguard-bench sync`.
#   usage: scripts/profile-sync.sh [BIN_DIR] [RECORDS]
set -euo pipefail
bin=$(realpath "${1:-build/bin}")
records=${2:-10000}
work=$(mktemp -d "${TMPDIR:-/var/tmp}/safeguard-profile-XXXXXX")
trap 'kill "${hub_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
"$bin/safeguard-hub" init --data-dir hub >/dev/null
"$bin/safeguard-hub" serve --data-dir hub --listen 127.0.0.1:0 --plain-http --quiet >hub.log 2>&1 &
hub_pid=$!
for _ in $(seq 50); do grep -q '"listening"' hub.log 2>/dev/null && break; sleep 0.1; done
url=$(grep -o '"url":"[^"]*"' hub.log | head -1 | cut -d'"' -f4)
"$bin/safeguard-hub" enrol-device --data-dir hub --by profile-sync.sh --officer SYN-OFFICER-0001 \
  --hub-url "$url" >codes 2>/dev/null
printf 'synthetic profiling passphrase %s\n' "$RANDOM$RANDOM" >pass
sim=("$bin/safeguard-devicesim" --store dev)
"${sim[@]}" --passphrase-file pass --kdf-ops 2 --kdf-mem-mib 64 init >/dev/null
"${sim[@]}" --passphrase-file pass generate "$records" >/dev/null
"${sim[@]}" --passphrase-file pass enrol "$(grep -o 'SGE1[^ ]*' codes | head -1)" >/dev/null 2>&1
"${sim[@]}" --passphrase-file pass submit-all >/dev/null 2>&1
sync
ticks() { awk '{print $14 + $15}' "/proc/$hub_pid/stat"; }
hz=$(getconf CLK_TCK)
before=$(ticks)
TIMEFORMAT='%U %S'
{ time "${sim[@]}" sync >out 2>/dev/null; } 2>devcpu
tail -1 out
after=$(ticks)
read -r user sys <devcpu
awk -v u="$user" -v s="$sys" -v n="$records" -v hb="$before" -v ha="$after" -v hz="$hz" 'BEGIN {
  printf "device CPU per record: %.1f us (user %.2f s, sys %.2f s)\n", (u + s) * 1e6 / n, u, s
  printf "hub CPU per record:    %.1f us\n", (ha - hb) / hz * 1e6 / n }'

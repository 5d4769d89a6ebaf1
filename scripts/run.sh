#!/usr/bin/env bash
# The main job: installs what is needed, builds the default preset, and runs
# Safeguard. As the project grows this starts the hub and the officer app on
# the embedded default store; today it shows the shared rules at work on a
# synthetic record (see README, "What runs today").
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

stage "install packages" scripts/install-deps.sh
stage "build default" build_preset default

echo
echo "A synthetic incident record (every name carries SYNTHETIC):"
build/bin/safeguard-rules example 7 | head -n 40
echo "  ..."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
build/bin/safeguard-rules example 7 > "$tmp/record.json"
echo
echo "Good-practice check of that record before submit:"
build/bin/safeguard-rules validate "$tmp/record.json"

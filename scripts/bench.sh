#!/usr/bin/env bash
# Full benchmark runs (minutes; not part of the test command, which runs each
# suite with --smoke). Prints JSON lines; record figures in docs/PERFORMANCE.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
stage "install packages" scripts/install-deps.sh
stage "build default" build_preset default
build/bin/safeguard-bench "${1:-all}"

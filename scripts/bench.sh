#!/usr/bin/env bash
# Full benchmark runs (minutes; not part of the test command, which runs each
# suite with --smoke). Prints JSON lines; record figures in docs/PERFORMANCE.md.
# The picture suite runs at its default 100,000 reports in "all", then once
# more at 1,000,000 (loaded in batches of 10,000; about an hour on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
stage "install packages" scripts/install-deps.sh
stage "build default" build_preset default
suite="${1:-all}"
build/bin/safeguard-bench "${suite}"
if [ "${suite}" = all ] || [ "${suite}" = picture ]; then
  build/bin/safeguard-bench picture --reports 1000000
fi

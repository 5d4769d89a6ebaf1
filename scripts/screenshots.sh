#!/usr/bin/env bash
# Renders every screen of the officer app to PNG at phone (390x844) and
# tablet (1280x800) size, with synthetic data, offscreen. Look at them.
#   scripts/screenshots.sh [OUT_DIR]   (default build/screenshots)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build/screenshots}
mkdir -p "${out}"
export QT_QPA_PLATFORM=offscreen
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)}
build/bin/safeguard --self-test --screenshots "${out}"
ls -1 "${out}"/*.png

#!/usr/bin/env bash
# Keeps a small copy of every phone-size screen in docs/screenshots/ (half
# size, 256 colours, made by the self-test itself), so the repository stays
# light. For full-size phone and tablet renders use scripts/screenshots.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf docs/screenshots
mkdir -p docs/screenshots
export QT_QPA_PLATFORM=offscreen
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)}
SAFEGUARD_SMALL_SCREENSHOTS=1 build/bin/safeguard --self-test --screenshots docs/screenshots
ls docs/screenshots | wc -l
du -sh docs/screenshots

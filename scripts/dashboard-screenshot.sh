#!/usr/bin/env bash
# Renders the operator dashboard of a coordinator state directory and saves a PNG screenshot
# with headless Chromium (Debian's `chromium` package).
#   scripts/dashboard-screenshot.sh STATE_DIR [OUT.png]
# Example after `make demo`: scripts/dashboard-screenshot.sh demo-out/state/coordinator docs/dashboard.png
set -euo pipefail
state=${1:?usage: scripts/dashboard-screenshot.sh STATE_DIR [OUT.png]}
out=${2:-dashboard.png}
cd "$(dirname "$0")/.."
command -v chromium >/dev/null || { echo "chromium is not installed: sudo apt-get install chromium" >&2; exit 2; }
# The most recently built of the release and debug programs.
binary=$(ls -t .build/release/apiary-coordinator .build/debug/apiary-coordinator 2>/dev/null | head -n 1 || true)
[ -n "$binary" ] || { echo "build first: swift build -c release --product apiary-coordinator" >&2; exit 2; }
html=$(mktemp --suffix=.html)
trap 'rm -f "$html"' EXIT
"$binary" dashboard --state "$state" --out "$html" >/dev/null
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1100,900 \
    --screenshot="$(realpath -m "$out")" "file://$html" 2>/dev/null
echo "wrote $out"

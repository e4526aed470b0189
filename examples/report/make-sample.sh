#!/usr/bin/env bash
# Makes examples/report/sample-report.html (and its screenshot sample-report.png) from a generated
# month: 3 nodes x 10 monitors of a small site in November 2026, with a perfdata sample every 5
# minutes, a few outages and their notifications (bench_report_month, tests/bench/report_month.cpp),
# reported with the business calendar biz (Tokyo, Mon-Fri 09:00-18:00, Japanese holidays).
# Usage: examples/report/make-sample.sh [--lang ja]   (needs a build: scripts/build; chromium for
# the screenshot)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=examples/report
scripts/build --target hmon-check bench_report_month >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOPS_STATE_DIR=$work/state HOPS_CONFIG=$work/config.toml
printf '[calendar]\npath = ["%s"]\n' "$work/calendars.yaml" > "$HOPS_CONFIG"
build/bench_report_month "$work" 3 10 300 7 >/dev/null
build/hmon-check report -f "$work/monitors.yaml" --inventory "$work/inventory.yaml" --month 2026-11 \
  --calendar biz --out "$out/sample-report.html" "$@"
echo "$out/sample-report.html: $(( $(stat -c %s "$out/sample-report.html") / 1024 )) KiB"
if chromium=$(command -v chromium || command -v chromium-browser); then
  # No network: the page must not need any.
  "$chromium" --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars \
    --user-data-dir="$work/chromium" --proxy-server=http://127.0.0.1:9 --window-size=1200,1600 \
    --screenshot="$PWD/$out/sample-report.png" "file://$PWD/$out/sample-report.html" 2>/dev/null
  echo "$out/sample-report.png: $(( $(stat -c %s "$out/sample-report.png") / 1024 )) KiB"
else
  echo "chromium not found: no screenshot" >&2
fi

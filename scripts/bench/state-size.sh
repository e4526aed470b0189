#!/usr/bin/env bash
# How much disk hmon-check's history takes per check, and whether a run's writes get slower as
# the history grows. bench_state_size (tests/bench/state_size.cpp) simulates runs on a fake clock
# through the state store's real code (samples with their roll-ups, then MaintainMonitorHistory:
# retention and removal of gone monitors; default retention), then prints per table the rows and
# bytes (SQLite's dbstat), the bytes per check, and the median time of a run's writes on the
# first and on the last day. For comparison the same samples go into the layout hmon-check used
# before (schema 1: one row per sample with two indexes, no roll-ups).
#   1. size: 20 checks x 2 measures every minute for a year (the old layout for 30 days)
#   2. a run's cost: 1,000 checks x 2 measures every minute for 2 days (the old layout too)
# Usage: scripts/bench/state-size.sh [CHECKS MEASURES INTERVAL_S DAYS OLD_DAYS]  (one run only)
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/build --target bench_state_size >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bench() {
  rm -rf "${work:?}"/*
  build/bench_state_size "$work" "$@"
}
if [[ $# -gt 0 ]]; then
  bench "$@"
  exit
fi
echo "== 1. size of a year of history"
bench 20 2 60 365 30
echo
echo "== 2. a run's writes as the history grows"
bench 1000 2 60 2 2

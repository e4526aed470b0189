#!/usr/bin/env bash
# Runs one acceptance case (tests/acceptance/NAME.sh) in a fresh directory. The case runs a
# scenario of examples/scenarios/ (`scenario NAME`, which keeps what the scenario's peers
# recorded under $SCENARIO_WORK) and then checks what those peers received (`expect`).
# Environment (set by ctest): HOPS_BIN (build dir), HOPS_SOURCE_DIR.
set -uo pipefail
case_file=$(realpath "$1")
: "${HOPS_BIN:?}" "${HOPS_SOURCE_DIR:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work/home TZ=UTC LC_ALL=C.UTF-8 NO_COLOR=1 HOPS_BIN HOPS_SOURCE_DIR
export SCENARIO_WORK=$work/scenario ACCEPT_WORK=$work
mkdir -p "$HOME"
cd "$work" && bash -c 'source "$HOPS_SOURCE_DIR/tests/acceptance/lib/check.sh"; source "$1"; finish' case "$case_file"
rc=$?
# The scenario stops every peer it started: a process still running from the case's directory
# fails the case (and is stopped here).
sleep 0.2
left=$(pgrep -af -- "$work/" | grep -v "^$$ ")
if [[ -n $left ]]; then
  echo "FAIL: still running after the scenario ended:"
  echo "$left"
  pkill -f -- "$work/"
  [[ $rc -eq 77 ]] || rc=1
fi
exit "$rc"

#!/usr/bin/env bash
# Runs one CLI golden case: the case script's combined output (commands, their stdout/stderr and
# exit codes) must equal <case>.expected. UPDATE=1 rewrites the expected file instead.
# Environment (set by ctest): HOPS_BIN (build dir), HOPS_SOURCE_DIR, HOPS_SHARED_DIR.
set -uo pipefail
case_file=$(realpath "$1")
expected=${case_file%.sh}.expected
: "${HOPS_BIN:?}" "${HOPS_SOURCE_DIR:?}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work/home LC_ALL=C.UTF-8 TZ=UTC NO_COLOR=1
mkdir -p "$HOME"
unset CLICOLOR_FORCE XDG_CONFIG_HOME XDG_STATE_HOME HOPS_INVENTORY
export HOPS_STATE_DIR=$work/state
export HOPS_CONFIG=$work/empty-config.toml
: > "$HOPS_CONFIG"
export PATH="$HOPS_BIN:$PATH" EXAMPLES="$HOPS_SOURCE_DIR/examples" WORK=$work

actual=$(cd "$work" && bash "$HOPS_SOURCE_DIR/tests/cli/lib/prelude.sh" "$case_file" 2>&1)
rc=$?
# Every peer a case starts stops with it: a process still running from the case's directory
# fails the case (and is stopped here).
left=$(pgrep -af -- "$work/" | grep -v "^$$ ")
if [[ -n $left ]]; then
  sleep 0.5  # one that was just told to stop
  left=$(pgrep -af -- "$work/" | grep -v "^$$ ")
fi
if [[ -n $left ]]; then
  echo "FAIL: still running after the case ended:" >&2
  echo "$left" >&2
  pkill -f -- "$work/"
  exit 1
fi
if [[ $rc -eq 77 ]]; then
  echo "$actual"
  exit 77
fi
# Paths of the temporary directory and the source tree vary between machines.
actual=${actual//$work/\$WORK}
actual=${actual//$HOPS_SOURCE_DIR/\$SRC}

if [[ "${UPDATE:-}" == 1 ]]; then
  printf '%s\n' "$actual" > "$expected"
  echo "updated $expected"
  exit 0
fi
if [[ ! -f "$expected" ]]; then
  printf '%s\n' "$actual"
  echo "missing expected output $expected (run with UPDATE=1 after checking the output above)" >&2
  exit 1
fi
if ! diff -u "$expected" <(printf '%s\n' "$actual"); then
  echo "FAIL: output differs from $expected" >&2
  exit 1
fi
exit 0

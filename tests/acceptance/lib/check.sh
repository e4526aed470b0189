# Helpers of acceptance cases (sourced by run.sh before the case).
#
# scenario NAME [ARGS...]   runs examples/scenarios/NAME/run.sh; its transcript goes to
#                           $ACCEPT_WORK/NAME.txt (printed when a check fails); what its peers
#                           recorded stays in $SCENARIO_WORK. A scenario that fails ends the case.
# expect WHAT CMD...        passes when CMD succeeds
# expect_eq WHAT ACTUAL EXPECTED
# jsonl FILE EXPR           prints the Python expression EXPR for each JSON line `r` of FILE
#                           (None results are skipped; an error prints "jsonl error: ...")
CHECK_FAILED=0
CHECK_TRANSCRIPTS=()
scenario() {
  local name=$1; shift
  local out=$ACCEPT_WORK/$name.txt
  CHECK_TRANSCRIPTS+=("$out")
  bash "$HOPS_SOURCE_DIR/examples/scenarios/$name/run.sh" "$@" > "$out" 2>&1
  local rc=$?
  if [[ $rc -eq 77 ]]; then cat "$out"; exit 77; fi
  if [[ $rc -ne 0 ]]; then
    echo "FAIL: scenario $name exited $rc"
    CHECK_FAILED=1
    finish
  fi
  echo "ran: scenario $name"
}
expect() {
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; CHECK_FAILED=1; fi
}
expect_eq() {
  if [[ "$2" == "$3" ]]; then
    echo "ok: $1"
  else
    printf 'FAIL: %s\n  expected: %s\n  actual:   %s\n' "$1" "$3" "$2"
    CHECK_FAILED=1
  fi
}
jsonl() {
  [[ -f $1 ]] || return 0
  # A line that is not JSON or an expression that fails prints an error line in the output, so
  # that the check comparing it fails rather than passing on nothing.
  python3 -c '
import json, sys
try:
    for line in open(sys.argv[1]):
        if line.strip():
            r = json.loads(line)
            v = eval(sys.argv[2])
            if v is not None:
                print(v)
except Exception as e:
    print("jsonl error: %s: %r" % (type(e).__name__, e))
    sys.exit(1)
' "$1" "$2"
}
finish() {
  if [[ $CHECK_FAILED -ne 0 ]]; then
    local t
    for t in "${CHECK_TRANSCRIPTS[@]}"; do
      echo "---- transcript $(basename "$t") (last 150 lines)"
      tail -150 "$t"
    done
    exit 1
  fi
  exit 0
}

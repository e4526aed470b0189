# Starts the recording HTTP receiver of tests/unit/testing/http_receiver.py for a CLI case: sets
# RECEIVER_PORT and RECEIVER_URL; stopped by pid when the case exits. `plan TEXT` sets how it
# answers (ok, 500, 429:SECONDS, body:NNN:TEXT, delay:SECONDS, hang; STEP*N), `receiver_stop` and
# `receiver_start` stand for an outage, `delivered` prints "METHOD PATH KEY" of each request
# answered 2xx, `received` the number of requests that arrived.
RECEIVER_DIR=$WORK/receiver
mkdir -p "$RECEIVER_DIR"
RECEIVER_PORT=$(free_port)
RECEIVER_URL=http://127.0.0.1:$RECEIVER_PORT
RECEIVER_PID=
receiver_start() {
  # Already running: nothing to do (a second one could not bind the port, and the first would
  # outlive the case).
  [[ -n $RECEIVER_PID ]] && kill -0 "$RECEIVER_PID" 2>/dev/null && return 0
  python3 "$HOPS_SOURCE_DIR/tests/unit/testing/http_receiver.py" "$RECEIVER_PORT" "$RECEIVER_DIR/requests.jsonl" \
    "$RECEIVER_DIR/plan" >>"$RECEIVER_DIR/log" 2>&1 &
  RECEIVER_PID=$!
  for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$RECEIVER_PORT") 2>/dev/null && return 0; sleep 0.05; done
  echo "the receiver did not start"; cat "$RECEIVER_DIR/log"; exit 1
}
receiver_stop() {
  [[ -n $RECEIVER_PID ]] && kill "$RECEIVER_PID" 2>/dev/null && wait "$RECEIVER_PID" 2>/dev/null
  RECEIVER_PID=
}
on_exit receiver_stop
plan() { printf '%s\n' "$1" > "$RECEIVER_DIR/plan.tmp" && mv "$RECEIVER_DIR/plan.tmp" "$RECEIVER_DIR/plan"; }
received() { [[ -f $RECEIVER_DIR/requests.jsonl ]] && wc -l < "$RECEIVER_DIR/requests.jsonl" || echo 0; }
delivered() {
  [[ -f $RECEIVER_DIR/requests.jsonl ]] || return 0
  python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["status"] and r["status"] // 100 == 2:
        try:
            key = json.loads(r["body"])["event"]["key"]
        except Exception:
            key = "-"
        print(r["method"], r["path"], key)
' "$RECEIVER_DIR/requests.jsonl"
}
# Events on stdout: hmon-check-like monitor results, one per KEY:STATUS argument.
monitor_events() {
  local arg
  for arg in "$@"; do
    printf '{"v":1,"time":"2026-05-07T03:12:45.512Z","tool":"hmon-check","host":"ops1","kind":"monitor.result","key":"%s","status":"%s","severity":"%s","summary":"%s is %s"}\n' \
      "${arg%%:*}" "${arg##*:}" "${arg##*:}" "${arg%%:*}" "${arg##*:}"
  done
}
# hnotify with times and ports made stable: "$ hnotify ARGS", its output, "[exit N]".
hn() {
  printf '$ hnotify %s\n' "$*"
  hnotify "$@" 2>&1 | sed -E 's/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/UUID/g; s/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z/TIME/g; s/127\.0\.0\.1:[0-9]+/127.0.0.1:PORT/g'
  printf '[exit %d]\n' "${PIPESTATUS[0]}"
}
receiver_start

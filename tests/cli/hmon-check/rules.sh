# Calendar suppression, dependencies (unreachable) and the lock between overlapping runs.
export HOPS_STATE_DIR=$WORK/state
closed=$(closed_port)
cat > cal.yaml <<'YAML'
calendars:
  never:
    timezone: Asia/Tokyo
    weekdays: mon-sun
    closed: ["01-01..12-31"]
  always:
    timezone: Asia/Tokyo
    weekdays: mon-sun
YAML
cat > mon.yaml <<YAML
monitors:
  parent:
    type: tcp
    target: 127.0.0.1:$closed
  child:
    type: tcp
    target: 127.0.0.1:$closed
    depends_on: parent
  quiet:
    type: tcp
    target: 127.0.0.1:$closed
    calendar: never
  loud:
    type: memory
    calendar: always
YAML
source "$HOPS_SOURCE_DIR/tests/cli/lib/nginx.sh"
hmon-check run -f mon.yaml --calendars cal.yaml --format json | events; echo "[exit ${PIPESTATUS[0]}]"
run hmon-check validate -f mon.yaml --calendars /dev/null
printf 'calendars:\n  always: {timezone: Asia/Tokyo, weekdays: mon-sun}\n  nevr: {weekdays: []}\n' > only-always.yaml
run hmon-check validate -f mon.yaml --calendars only-always.yaml
cat > slow.yaml <<'YAML'
monitors:
  slow:
    type: command
    command: [sh, -c, "touch started; sleep 2"]
    timeout: 5s
YAML
hmon-check run -f slow.yaml >/dev/null 2>&1 &
bg=$!
for _ in $(seq 200); do [[ -e started ]] && break; sleep 0.05; done   # the first run holds the lock now
hmon-check run -f slow.yaml --lock-wait 200ms 2>&1 | sed -E 's/pid [0-9]+ on [^)]*/pid N on HOST/'
echo "[exit ${PIPESTATUS[0]}]"
wait $bg
echo "first run exit: $?"

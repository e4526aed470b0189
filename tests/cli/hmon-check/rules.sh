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
# A child that finishes long before its parent waits for the parent's outcome: unreachable under
# a failing parent, down a chain of two, and judged on its own under a passing one.
cat > chain.yaml <<'YAML'
monitors:
  gateway: {type: command, command: [sh, -c, "sleep 1; echo gateway down; exit 2"]}
  router:  {type: command, command: [sh, -c, "echo router down; exit 2"], depends_on: gateway}
  host:    {type: command, command: [sh, -c, "echo host ok"], depends_on: router}
  fine:    {type: command, command: [sh, -c, "sleep 1; echo fine"]}
  leaf:    {type: command, command: [sh, -c, "echo leaf down; exit 1"], depends_on: fine}
YAML
hmon-check run -f chain.yaml --no-state --concurrency 8 --format json | events; echo "[exit ${PIPESTATUS[0]}]"
hmon-check run -f chain.yaml --no-state --concurrency 8 --format text; echo "[exit $?]"
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

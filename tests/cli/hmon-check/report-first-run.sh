# hmon-check status and report before anything ran: they read no state store and create none.
# After one run whose result is OK (a run logs no status change for it), the month's report
# counts the check as monitored and OK, not as "no data".
cat > mon.yaml <<'YAML'
version: 1
monitors:
  batch:
    type: command
    command: [sh, -c, "echo OK"]
YAML
month=$(date -u +%Y-%m)
hmon-check status -f mon.yaml | sed 1d
echo "status exit ${PIPESTATUS[0]}"
hmon-check report -f mon.yaml --month "$month" --format csv | grep '^instance' | cut -d, -f1-3,16
echo "report exit ${PIPESTATUS[0]}"
hmon-check status -f mon.yaml --format html --out page.html
echo "status --out exit $?"
if [ -e "$HOPS_STATE_DIR" ]; then echo "state created: $(ls "$HOPS_STATE_DIR")"; else echo "no state directory"; fi
hmon-check run -f mon.yaml >/dev/null
echo "run exit $?"
hmon-check report -f mon.yaml --month "$month" --format csv | grep '^instance' | cut -d, -f1-3,16
hmon-check status -f mon.yaml | awk 'NR == 5 {print $1, $2}'

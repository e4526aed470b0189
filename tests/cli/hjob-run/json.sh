# --format json writes hops events (hops-event(5)): job.run for the run, job.step for each job's
# start and end, with the severity that routes it (ok, warning, critical, info).
source "$HOPS_SOURCE_DIR/tests/cli/lib/hjob-run.sh"
cat > mixed.yaml <<'YAML'
name: mixed
parallel: 1
jobs:
  check: {run: 'exit 1', end_values: {warning: '1'}}
  skipped: {run: [true], needs: check, when: jobs.check.status == success}
  broken: {run: 'echo "no space left" >&2; exit 2', needs: check}
YAML
rn hjob-run run mixed.yaml --format json
hjob-run run mixed.yaml --format json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    print(e["kind"], e.get("job", "-"), e["status"], e["severity"])'

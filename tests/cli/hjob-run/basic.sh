# A flow runs its jobs in dependency order; the run is kept with its jobs, outputs and logs, and
# every exit code of a run is the documented one.
source "$HOPS_SOURCE_DIR/tests/cli/lib/hjob-run.sh"
cat > nightly.yaml <<'YAML'
name: nightly
params:
  day: "2026-11-21"
defaults:
  timeout: 30s
jobs:
  extract:
    run: [sh, -c, 'echo "extract $day" >&2; echo 1200']
    output: ROWS
  load:
    run: 'echo "loading $ROWS rows"; echo "note: slow disk" >&2'
    needs: extract
  report:
    run: [sh, -c, 'echo "report for $day"']
    needs: load
    when: outputs.ROWS > 1000
  small:
    run: [echo, never]
    needs: extract
    when: outputs.ROWS < 1000
YAML
rn hjob-run run nightly.yaml --param day=2026-11-22
id=$(last_run)
rn hjob-run status "$id"
rn hjob-run list
rn hjob-run results "$id" --format csv
rn hjob-run results "$id" --format json
rn hjob-run logs "$id" load
rn hjob-run logs "$id"
printf 'log modes: '; stat -c %a "$HOPS_STATE_DIR/hjob-run/$id" "$HOPS_STATE_DIR/hjob-run/$id/load.log" | tr '\n' ' '; echo

# Exit codes: 3 when a job ends with a warning (by end_values), 1 when one fails; neither lets
# `&& next` go on.
cat > warn.yaml <<'YAML'
name: warn
jobs:
  check: {run: 'exit 2', end_values: {warning: '1-3'}}
  after: {run: [true], needs: check}
YAML
rn hjob-run run warn.yaml
cat > fail.yaml <<'YAML'
name: fail
jobs:
  a: {run: 'echo "disk full" >&2; exit 4'}
  b: {run: [true], needs: a}
YAML
rn hjob-run run fail.yaml
hjob-run run fail.yaml >/dev/null && echo "next ran" || echo "next did not run"
code hjob-run run nightly.yaml
code hjob-run run warn.yaml
code hjob-run run fail.yaml

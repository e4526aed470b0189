# A flow with a calendar runs only while the hcal calendar is open; when it is closed the run is
# recorded as skipped and hjob-run exits 0 with "skipped: closed", so cron lines stay simple.
source "$HOPS_SOURCE_DIR/tests/cli/lib/hjob-run.sh"
cat > calendars.yaml <<'YAML'
version: 1
calendars:
  never: {timezone: UTC, weekdays: []}
  always: {timezone: UTC, weekdays: mon-sun}
YAML
day() { sed -E 's/\((mon|tue|wed|thu|fri|sat|sun)\)/(DAY)/'; }
cat > closed.yaml <<'YAML'
name: closed
calendar: never
jobs:
  work: {run: [touch, worked]}
YAML
rn hjob-run run closed.yaml --calendars calendars.yaml | day
[ -e worked ] && echo "the job ran" || echo "the job did not run"
rn hjob-run list
rn hjob-run resume "$(last_run)" --calendars calendars.yaml
rn hjob-run run closed.yaml --calendars calendars.yaml --format json | day
rn hjob-run run closed.yaml --calendars calendars.yaml --dry-run | day
sed 's/never/always/' closed.yaml > open.yaml
rn hjob-run run open.yaml --calendars calendars.yaml
[ -e worked ] && echo "the job ran" || echo "the job did not run"
# The calendar must exist; without calendar files it is an error too.
sed 's/never/nevr/' closed.yaml > typo.yaml
rn hjob-run run typo.yaml --calendars calendars.yaml
rn hjob-run validate typo.yaml --calendars calendars.yaml
rn hjob-run run closed.yaml
# A sub-flow with a closed calendar is skipped; the caller goes on.
cat > caller.yaml <<'YAML'
name: caller
jobs:
  maybe: {flow: closed.yaml}
  then: {run: [echo, went on], needs: maybe}
YAML
rn hjob-run run caller.yaml --calendars calendars.yaml | day

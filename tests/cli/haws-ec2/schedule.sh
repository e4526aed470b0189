# schedule: instances follow their calendars (hcal's format), acting on calendar transitions only,
# so an instance started by hand outside hours stays up unless --enforce; --dry-run; a lock.
source "$HOPS_SOURCE_DIR/tests/cli/lib/aws.sh"
cat > fixture.json <<'JSON'
[{"id": "i-0000000000000aa01", "state": "running", "tags": {"Name": "app-1", "hops:calendar": "office"}},
 {"id": "i-0000000000000aa02", "state": "stopped", "tags": {"Name": "app-2", "hops:calendar": "office"}},
 {"id": "i-0000000000000aa03", "state": "stopped", "tags": {"Name": "untagged"}},
 {"id": "i-0000000000000aa04", "state": "running", "tags": {"Name": "typo", "hops:calendar": "ofice"}, "region": "eu-west-1"}]
JSON
start_ec2_mock --fixture fixture.json --regions us-east-1,eu-west-1 --speed 0
cat > cal.yaml <<'YAML'
version: 1
calendars:
  office:
    timezone: UTC
    weekdays: mon-fri
    hours: "09:00-18:00"
YAML
S() { run haws-ec2 --region us-east-1 schedule --calendars cal.yaml "$@"; }
# Saturday: closed. A dry run changes nothing and remembers nothing.
S --at 2026-12-05T10:00Z --dry-run
# The first run acts on what it sees: app-1 stops.
S --at 2026-12-05T10:00Z
# Someone starts app-2 by hand on Saturday: no calendar transition, so it stays up.
haws-ec2 --region us-east-1 start --id i-0000000000000aa02 > /dev/null
S --at 2026-12-05T11:00Z
# Monday 09:30: the calendar opens; app-1 starts, app-2 is already running.
S --at 2026-12-07T09:30Z
S --at 2026-12-07T10:00Z
# Monday 18:30: closed; both stop.
S --at 2026-12-07T18:30Z
# Started by hand in the evening, stopped again only with --enforce.
haws-ec2 --region us-east-1 start --id i-0000000000000aa02 > /dev/null
S --at 2026-12-07T19:00Z
S --at 2026-12-07T19:05Z --enforce --format json | stable
# An instance without the tag follows --calendar when selected, and is left alone without it.
S --at 2026-12-08T10:00Z --id i-0000000000000aa03
S --at 2026-12-08T10:00Z --id i-0000000000000aa03 --calendar office
# A tag naming no calendar is a failure of that instance.
run haws-ec2 --region eu-west-1 schedule --calendars cal.yaml --at 2026-12-08T10:00Z
run haws-ec2 --region us-east-1 schedule --calendars cal.yaml --calendar nosuch
# Safe under cron: a second run while one holds the lock does nothing.
lockfile=$(ls "$HOPS_STATE_DIR"/locks/haws-ec2.schedule-*.lock)
python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "r+"); fcntl.lockf(f, fcntl.LOCK_EX); print("locked", flush=True); time.sleep(60)' "$lockfile" > held.txt &
holder=$!
for _ in $(seq 100); do [[ -s held.txt ]] && break; sleep 0.05; done
S --at 2026-12-08T10:00Z | sed -E 's/pid [0-9]+/pid N/'
kill "$holder"; wait "$holder" 2>/dev/null
S --at 2026-12-08T10:00Z

# schedule --at: a local time means what it means to hcal, a time of the calendar's zone (not UTC),
# also without --calendar when every calendar is in one zone; calendars in several zones need an
# offset. Instants as EC2 and haws-ec2's events write them (fractional seconds) are taken too.
source "$HOPS_SOURCE_DIR/tests/cli/lib/aws.sh"
cat > fixture.json <<'JSON'
[{"id": "i-0000000000000bb01", "state": "stopped", "tags": {"Name": "dev-1", "hops:calendar": "office"}}]
JSON
start_ec2_mock --fixture fixture.json --speed 0
cat > tokyo.yaml <<'YAML'
version: 1
calendars:
  office:
    timezone: Asia/Tokyo
    hours: "09:00-18:00"
YAML
cat > berlin.yaml <<'YAML'
version: 1
calendars:
  dc:
    timezone: Europe/Berlin
    weekdays: mon-sun
YAML
# Monday 08:30 in Tokyo: closed to hcal, and so to schedule (08:30 UTC would be 17:30 there, open).
run hcal -f tokyo.yaml is-open --at 2026-12-07T08:30 office
run haws-ec2 schedule --calendars tokyo.yaml --at 2026-12-07T08:30 --dry-run
run haws-ec2 schedule --calendars tokyo.yaml --at 2026-12-07T09:00 --dry-run
# With calendars in two zones a local time has no one meaning; --calendar or an offset gives it one.
run haws-ec2 schedule --calendars tokyo.yaml --calendars berlin.yaml --at 2026-12-07T09:00 --dry-run
run haws-ec2 schedule --calendars tokyo.yaml --calendars berlin.yaml --at 2026-12-07T09:00 --calendar office --dry-run
run haws-ec2 schedule --calendars tokyo.yaml --calendars berlin.yaml --at 2026-12-07T00:00+00:00 --dry-run
# The instant of an event or of EC2, milliseconds and all.
run haws-ec2 schedule --calendars tokyo.yaml --at 2026-12-07T00:00:00.000Z --dry-run

#!/usr/bin/env bash
# Scenario 1: cost cut by business calendar. EC2 instances tagged with a company calendar are
# started and stopped by `haws-ec2 schedule` as cron would run it, over a simulated week with a
# Japanese holiday and over the year-end closure, against a local EC2 mock whose clock follows
# the simulation; the hours they ran are then compared with what `hcal hours` says was open.
# demo: skip (about 20 seconds: 1,442 schedule runs; scripts/demo 1-cost-cut plays it)
source "$(dirname "$0")/../lib/scenario.sh"
# The host clock is UTC, as cron's in the crontab.
export TZ=UTC
cd "$WORK"
cp "$SCENARIO_DIR/calendars.yaml" "$SCENARIO_DIR/instances.json" .

title "Cost cut by business calendar"
say "Development and staging servers only need to run while people work: weekdays from 08:00
to midnight in Tokyo, not on Japanese holidays, not over the year-end closure. One calendar
says when that is; every server tagged hops:calendar=office-hours follows it, started when
the calendar opens and stopped when it closes, by one cron line. A server without the tag
(the production database) is never touched."
step hcal -f calendars.yaml validate
step hcal -f calendars.yaml show --month 2026-11 office-hours

title "The servers"
say "A local stand-in for EC2 plays the AWS account. It keeps its own clock, which the
simulation below moves forward, and records every state change of every instance with that
clock's time."
peer_ec2 --regions ap-northeast-1 --fixture instances.json --speed 0 --history "$WORK/ec2-history.jsonl"
step haws-ec2 --region ap-northeast-1 describe

# The cadence is the crontab's: the minute field of its schedule line, */N.
every=$(awk '/haws-ec2/ && $1 ~ /^\*\/[0-9]+$/ { print substr($1, 3); exit }' "$SCENARIO_DIR/crontab")
[[ -n $every ]] || { echo "run.sh: no */N schedule line for haws-ec2 in crontab" >&2; exit 2; }
title "The crontab"
say "One line runs the schedule every $every minutes (the host clock is UTC; haws-ec2 judges the
calendar in Tokyo time itself):"
grep -v '^#' "$SCENARIO_DIR/crontab" | sed 's/^/    /'

# simulate FROM TO: every cron tick from Tokyo midnight of FROM to the midnight after TO (both
# included): the mock's clock is set to the tick, then haws-ec2 schedule runs at that instant.
# Ticks that changed something are narrated.
RUNS=0
FAILED_RUNS=0
ALL_FAILED=0
simulate() {
  local from=$1 to=$2 t end at out rc
  t=$(date -d "${from}T00:00+09:00" +%s)
  end=$(($(date -d "${to}T00:00+09:00" +%s) + 86400))
  show "haws-ec2 --region ap-northeast-1 schedule --calendars calendars.yaml --at INSTANT   # every $every min, $from .. $to"
  for ((; t <= end; t += every * 60)); do
    printf -v at '%(%Y-%m-%dT%H:%M:%SZ)T' "$t"
    mock_clock "$at"
    rc=0
    haws-ec2 --region ap-northeast-1 schedule --calendars calendars.yaml --at "$at" > tick.out 2>&1 || rc=$?
    IFS= read -r -d '' out < tick.out || true
    RUNS=$((RUNS + 1))
    if [[ $rc -ne 0 ]]; then
      FAILED_RUNS=$((FAILED_RUNS + 1))
      ALL_FAILED=$((ALL_FAILED + 1))
      printf '    %s  [exit %d]\n%s\n' "$at" "$rc" "$(sed 's/^/      /' <<< "$out")"
    elif [[ $out == *" -> "* ]]; then
      printf '    %s (%s Tokyo)\n' "$at" "$(TZ=Asia/Tokyo date -d "@$t" '+%a %m-%d %H:%M')"
      grep -- ' -> ' <<< "$out" | sed 's/^/      /'
    fi
  done
  mock_clock ""
}

# saving FROM TO: what the mock's history says each instance ran from Tokyo midnight of FROM
# to the midnight after TO, against running all the time.
saving() {
  python3 - "$WORK/ec2-history.jsonl" "$1" "$2" instances.json <<'PY'
import json, sys
from datetime import datetime, timedelta, timezone
history, first, last, fixture = sys.argv[1:]
tokyo = timezone(timedelta(hours=9))
start = datetime.fromisoformat(first).replace(tzinfo=tokyo)
end = datetime.fromisoformat(last).replace(tzinfo=tokyo) + timedelta(days=1)
lines = [json.loads(l) for l in open(history)]
total = (end - start).total_seconds() / 3600
for inst in json.load(open(fixture)):
    changes = [(datetime.fromisoformat(r["time"].replace("Z", "+00:00")), r["to"])
               for r in lines if r["id"] == inst["id"]]
    state, since, ran = inst["state"], start, 0.0
    for when, to in changes + [(end, None)]:
        when = min(max(when, start), end)
        if state == "running":
            ran += (when - since).total_seconds()
        state, since = to, when
    ran /= 3600
    name = inst["tags"]["Name"]
    if not changes:
        print(f"  {name}: never touched, ran {ran:.0f} h of {total:.0f} h")
    else:
        print(f"  {name}: ran {int(ran)} h {round(ran * 60) % 60:02d} min of {total:.0f} h (24x7): "
              f"{total - ran:.2f} h saved, {1 - ran / total:.1%} of the time")
PY
}

title "A week with a holiday: Mon 2026-11-23 (勤労感謝の日) to Sun 2026-11-29"
say "Cron would run the schedule every $every minutes; here each run gets the instant it would
run at, and the EC2 stand-in's clock is set to it first, so what EC2 records is what would
have happened that week. Only the runs that changed something are shown: Monday is a
holiday, so the servers stay stopped until Tuesday 08:00 Tokyo time (23:00 UTC on Monday)."
SECONDS=0
simulate 2026-11-23 2026-11-29
say "$RUNS runs ($FAILED_RUNS failed) in $SECONDS s."
say "What the calendar says was open that week, and so the fraction of the week saved (1 minus
the fraction open):"
step hcal -f calendars.yaml hours --from 2026-11-23 --to 2026-11-29 office-hours
say "What the servers really ran, from EC2's own record of their state changes:"
saving 2026-11-23 2026-11-29
first_start=$(python3 -c 'import json, sys
print(next(r["time"] for r in map(json.loads, open(sys.argv[1])) if r["to"] == "pending"))' "$WORK/ec2-history.jsonl")
say "Why did the first start happen at $first_start? Ask the calendar about that instant, as
EC2 wrote it:"
step hcal -f calendars.yaml explain --at "$first_start" office-hours

title "The year-end closure: Mon 2026-12-28 to Mon 2027-01-04"
say "The company closes from 12-29 to 01-03. The servers run on Monday 12-28, stay stopped for
six days (four weekdays, one of them 元日, a national holiday, and a weekend) and start
again on Monday 01-04."
RUNS=0
FAILED_RUNS=0
SECONDS=0
simulate 2026-12-28 2027-01-04
say "$RUNS runs ($FAILED_RUNS failed) in $SECONDS s."
step hcal -f calendars.yaml hours --from 2026-12-28 --to 2027-01-04 office-hours
saving 2026-12-28 2027-01-04

title "What this showed"
say "The tagged servers were started and stopped only when the calendar opened and closed:
never on the holiday, never during the closure, and the production database, which has no
tag, kept running throughout. The hours they ran are the calendar's open hours, so \`hcal
hours\` tells in advance what a calendar saves: here about 62 % of a week with a holiday and
83 % of the year-end period. To keep EC2's record (ec2-history.jsonl) and the rest, run the
scenario with SCENARIO_WORK=DIR."
if [[ $ALL_FAILED -ne 0 ]]; then
  say "But $ALL_FAILED runs of the schedule failed (shown above), so this did not go as it should."
  exit 1
fi

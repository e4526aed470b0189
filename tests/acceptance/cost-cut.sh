# Scenario 1: cost cut by business calendar. Asserts on what the EC2 mock recorded (its --history,
# stamped with the mock's clock that followed the simulated cron ticks): the tagged instances
# were started and stopped exactly at the company calendar's transitions, written out here by
# hand, never on the holiday or during the year-end closure; the untagged one never changed; and
# each tagged instance ran exactly the open hours `hcal hours` reports for each period.
scenario 1-cost-cut
history=$SCENARIO_WORK/ec2-history.jsonl
calendars=$HOPS_SOURCE_DIR/examples/scenarios/1-cost-cut/calendars.yaml
expect "the mock recorded state changes" test -s "$history"

# The calendar's transitions (weekdays 08:00-24:00 Tokyo = 23:00 the day before to 15:00 UTC),
# as starts (+) and stops (-) in UTC. Week of 2026-11-23: Monday is 勤労感謝の日, so Tuesday to
# Friday. Year-end: Monday 12-28, the closure 12-29..01-03, Monday 01-04 (and its midnight).
expected="+2026-11-23T23:00:00 -2026-11-24T15:00:00 +2026-11-24T23:00:00 -2026-11-25T15:00:00
+2026-11-25T23:00:00 -2026-11-26T15:00:00 +2026-11-26T23:00:00 -2026-11-27T15:00:00
+2026-12-27T23:00:00 -2026-12-28T15:00:00 +2027-01-03T23:00:00 -2027-01-04T15:00:00"
expected=$(tr '\n' ' ' <<< "$expected")
expected=${expected% }
for id in i-0c05c0000000000a1 i-0c05c0000000000a2; do
  # A start is the call that took it out of stopped, a stop the one that took it out of running.
  actions=$(jsonl "$history" "(('+' if r['from'] == 'stopped' else '-') + r['time'][:19]
    if r['id'] == '$id' and (r['from'], r['to']) in (('stopped', 'pending'), ('running', 'stopping')) else None)")
  expect_eq "$id was started and stopped exactly at the calendar's transitions" "${actions//$'\n'/ }" "$expected"
  # With the mock's transitions instant, it was running (stopped) from the instant it was started (stopped).
  settled=$(jsonl "$history" "r['time'][:19] if r['id'] == '$id' and r['to'] in ('running', 'stopped') else None")
  expect_eq "$id was running and stopped from those instants on" "${settled//$'\n'/ }" "$(sed -E 's/(^| )[+-]/\1/g' <<< "$expected")"
done

# count EXPR: how many lines `r` of the history EXPR holds for (nothing printed if EXPR is wrong).
count() {
  python3 -c 'import json, sys
print(sum(1 for line in open(sys.argv[1]) if line.strip() and eval(sys.argv[2], {}, {"r": json.loads(line)})))' \
    "$history" "$1"
}
# Nothing at all happened on the holiday (Mon 11-23 in Tokyo) or during the closure (12-29..01-03,
# after the stop at its first midnight).
expect_eq "no instance changed on the holiday" \
  "$(count "'2026-11-22T15:00:00.000Z' <= r['time'] < '2026-11-23T15:00:00.000Z'")" 0
expect_eq "no instance changed during the year-end closure" \
  "$(count "'2026-12-28T15:00:00.000Z' < r['time'] < '2027-01-03T15:00:00.000Z'")" 0
expect_eq "the untagged instance (prod-db) never changed" "$(count "r['id'] == 'i-0c05c0000000000b1'")" 0
expect_eq "the history holds the tagged instances' changes (4 per transition: 2 instances, 2 steps)" \
  "$(count "r['id'] != 'i-0c05c0000000000b1'")" 48

# running_minutes ID FROM TO: minutes the instance was running between Tokyo midnight of FROM and
# the midnight after TO, from the history (it started stopped, as the fixture says).
running_minutes() {
  python3 - "$history" "$@" <<'PY'
import json, sys
from datetime import datetime, timedelta, timezone
history, iid, first, last = sys.argv[1:]
tokyo = timezone(timedelta(hours=9))
start = datetime.fromisoformat(first).replace(tzinfo=tokyo)
end = datetime.fromisoformat(last).replace(tzinfo=tokyo) + timedelta(days=1)
state, since, ran = "stopped", start, timedelta()
for r in map(json.loads, open(history)):
    if r["id"] != iid:
        continue
    when = min(max(datetime.fromisoformat(r["time"].replace("Z", "+00:00")), start), end)
    if state == "running":
        ran += when - since
    state, since = r["to"], when
if state == "running":
    ran += end - since
print(round(ran.total_seconds() / 60))
PY
}
open_minutes() {
  "$HOPS_BIN/hcal" -f "$calendars" --format json hours --from "$1" --to "$2" office-hours |
    python3 -c 'import json, sys; print(round(json.load(sys.stdin)["data"]["open_hours"] * 60))'
}
for period in "2026-11-23 2026-11-29" "2026-12-28 2027-01-04"; do
  read -r from to <<< "$period"
  open=$(open_minutes "$from" "$to")
  expect "hcal reports open hours for $from..$to" test "${open:-0}" -gt 0
  for id in i-0c05c0000000000a1 i-0c05c0000000000a2; do
    expect_eq "$id ran the calendar's open minutes in $from..$to" "$(running_minutes "$id" "$from" "$to")" "$open"
  done
done

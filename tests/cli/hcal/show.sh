# show prints a cal(1)-style grid; markers stand in for colour when stdout is not a terminal.
H="hcal -f $EXAMPLES/calendars.yaml"
run $H show biz --month 2026-05
run $H show biz --month 2026-12
run $H show gov --year 2027
run $H show biz --month 2026-05 --year 2026
$H --format json show biz --month 2026-05 | python3 -c 'import json,sys; ev=[json.loads(l) for l in sys.stdin]; print(len(ev), "events;", sum(e["status"]=="open" for e in ev), "open")'

# --format json prints one hops-event(5) object per line; check shape with python's json module.
H="hcal -f $EXAMPLES/calendars.yaml --format json"
check() {
  python3 -c '
import json, sys
keys_required = ["v", "time", "tool", "host", "kind", "key", "status", "severity", "summary"]
n = 0
for line in sys.stdin:
    e = json.loads(line)
    assert list(e)[:9] == keys_required, list(e)
    assert e["v"] == 1 and e["tool"] == "hcal"
    e.pop("time"); e.pop("host")
    print(json.dumps(e, ensure_ascii=False, sort_keys=True))
    n += 1
print("events:", n)
'
}
$H is-business-day biz 2026-05-06 | check; echo "[exit ${PIPESTATUS[0]}]"
$H is-open biz --at 2026-11-20T10:00+09:00 | check; echo "[exit ${PIPESTATUS[0]}]"
$H list month-end-batch --from 2026-01-01 --to 2026-02-28 | check
$H holidays --from 2026-05-01 --to 2026-05-06 | check
$H hours biz --month 2026-11 | check
$H explain payday 2026-01-25 | check
$H calendars | check | tail -3

# hmon-check report: a small month (November 2026, two nodes, business calendar) rendered as one
# self-contained HTML page, checked in headless Chromium (no fetch, prints to PDF, one chart per
# graphed series in each node's section, one row per incident), as JSON and CSV, in Japanese,
# with hostile data (markup, quotes and invalid UTF-8 in summaries, a javascript: runbook), and
# the usage errors (exit 3).
source "$HOPS_SOURCE_DIR/tests/cli/lib/chromium.sh"
need_chromium
cat > inventory.yaml <<'YAML'
version: 1
nodes:
  web1: {address: 127.0.0.1, scopes: [prod/web]}
  web2: {address: 127.0.0.1, scopes: [prod/web]}
YAML
cat > calendars.yaml <<'YAML'
version: 1
calendars:
  biz:
    timezone: Asia/Tokyo
    weekdays: [mon, tue, wed, thu, fri]
    hours: ["09:00-18:00"]
YAML
cat > mon.yaml <<'YAML'
version: 1
monitors:
  home:
    type: http
    scope: prod/web
    target: "http://{{node.address}}/"
    runbook: https://wiki.example/runbooks/home?node={{node.id}}
    thresholds:
      time: {warning: 1s, critical: 2s}
  app:
    type: command
    scope: prod/web
    command: [sh, -c, "echo OK"]
    runbook: "javascript:alert(1)"
    report: [queue]
  batch:
    type: command
    command: [sh, -c, "echo OK"]
    runbook: "restart the batch: <b>sudo systemctl restart batch</b>"
    report: false
YAML
export HOPS_INVENTORY=$PWD/inventory.yaml
printf '[calendar]\npath = ["%s"]\n' "$PWD/calendars.yaml" > "$HOPS_CONFIG"
# The state store: created by a run, then filled with a known month.
hmon-check run -f mon.yaml --only batch >/dev/null
python3 - "$HOPS_STATE_DIR/state.db" <<'PY'
import sqlite3, sys, math
db = sqlite3.connect(sys.argv[1])
db.execute("DELETE FROM status_change")
H = 3600 * 1000
M0 = 1793458800000  # 2026-11-01T00:00+09:00 (Asia/Tokyo), 2026-10-31T15:00Z
def change(key, t, frm, to, summary):  # summary: str, or bytes that need not be UTF-8
    db.execute("INSERT INTO status_change (key, time_ms, from_state, to_state, summary)"
               " VALUES (?,?,?,?,CAST(? AS TEXT))",
               (key, t, frm, to, summary))
def deliver(key, t, status, reason, channel, ctype, outcome):
    db.execute("INSERT INTO delivery (time_ms, event_key, event_kind, event_status, reason, route, channel,"
               " channel_type, outcome, detail) VALUES (?,?,?,?,?,?,?,?,?,?)",
               (t, "hmon-check/" + key, "monitor.result", status, reason, "ops", channel, ctype, outcome, ""))
for key in ("home/web1", "home/web2", "app/web1", "app/web2", "batch"):
    change(key, M0 - 24 * H, "", "ok", "fine")
# home/web1: critical Mon 2026-11-02 10:00-12:00 JST (business hours), notified by mail and Slack.
t = M0 + (24 + 10) * H
change("home/web1", t, "ok", "critical", "CRITICAL - <script>alert('x')</script> \"quoted\" down")
deliver("home/web1", t + 1000, "critical", "problem", "ops-mail", "email", "sent")
deliver("home/web1", t + 2000, "critical", "problem", "ops-slack", "slack", "dropped")
change("home/web1", t + 2 * H, "critical", "ok", "OK")
deliver("home/web1", t + 2 * H + 1000, "ok", "recovery", "ops-mail", "email", "sent")
# home/web2: warning Sat 2026-11-07 03:00 for 1 h (closed day), invalid UTF-8 in the summary.
t = M0 + (6 * 24 + 3) * H
change("home/web2", t, "ok", "warning", b"WARNING - slow \xff\xfe r\xc3\xa9ponse")
change("home/web2", t + H, "warning", "ok", "OK")
# app/web2: unknown from 2026-11-30 20:00 JST, still open at the end of the month.
change("app/web2", M0 + (29 * 24 + 20) * H, "ok", "unknown", "UNKNOWN - no answer")
# batch: suppressed every night is not downtime.
for d in range(30):
    change("batch", M0 + (d * 24 + 18) * H, "ok", "suppressed", "calendar closed")
    change("batch", M0 + (d * 24 + 33) * H, "suppressed", "ok", "OK")
# Perfdata: response time of home (hourly), queue of app (hourly), and a label not graphed.
series = {}
def sid(key, label, uom):
    if (key, label, uom) not in series:
        cur = db.execute("INSERT INTO perf_series (key, label, uom) VALUES (?,?,?)", (key, label, uom))
        series[(key, label, uom)] = cur.lastrowid
    return series[(key, label, uom)]
for h in range(30 * 24):
    t = M0 + h * H
    for node in ("web1", "web2"):
        db.execute("INSERT INTO perf_raw VALUES (?,?,?)", (t, sid("home/" + node, "time", "s"), 0.2 + (h % 24) / 100))
        db.execute("INSERT INTO perf_raw VALUES (?,?,?)", (t, sid("home/" + node, "size", "B"), 1000))
        db.execute("INSERT INTO perf_raw VALUES (?,?,?)", (t, sid("app/" + node, "queue", ""), h % 10))
db.commit()
PY
report() { hmon-check report -f mon.yaml "$@"; }
run report --month 2026-11 --calendar biz --out report.html
echo "under 100 KiB: $([[ $(wc -c < report.html) -lt 102400 ]] && echo yes)"
chromium_dom report.html > dom.html
echo "fetches: [$(chromium_fetches | tr '\n' ' ')]"
chromium_pdf report.html report.pdf | sed 's/[0-9]* pages/N pages/'
python3 - dom.html <<'PY'
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
print("doctype+lang:", dom.count('lang="en"'))
for node, body in re.findall(r'<section class="node" data-node="([^"]*)">(.*?)</section>', dom, re.S):
    labels = re.findall(r'<figcaption><b>([^<]*)</b>', body)
    print("node", node, "svg:", body.count("<svg"), labels)
print("incident rows:", len(re.findall(r'<tr class="incident', dom)))
for row in re.findall(r'<tr class="incident[^"]*">(.*?)</tr>', dom, re.S):
    print(" ", re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "|", row)).replace("||", "|"))
print("script elements:", len(re.findall(r"<script", dom)))
print("links:", re.findall(r'<a href="([^"]*)"', dom))
print("javascript: as text:", "javascript:alert(1)" in dom and 'href="javascript' not in dom)
print("closed-day shading:", dom.count('class="closed"') > 0)
print("threshold lines:", dom.count('class="warn"'), dom.count('class="crit"'))
print("summary cards:", [re.sub(r"<[^>]+>", " ", c).split() for c in re.findall(r'<div class="card">(.*?)</div>', dom)])
PY
# The same figures as data.
report --month 2026-11 --calendar biz --format json > report.json
python3 - report.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("zone", r["zone"], "from", r["from"], "until", r["until"])
s = r["summary"]
for k in ("monitors", "nodes", "instances", "availability", "business_availability", "incidents",
          "open_incidents", "mttr_ms", "notifications_sent", "notifications_failed"):
    print(" ", k, s[k])
for i in r["incidents"]:
    print("  incident", i["key"], i["state"], i["start"], i["end"], i["duration_ms"], repr(i["summary"]),
          [(n["channel"], n["outcome"]) for n in i["notifications"]])
for x in r["series"]:
    print("  series", x["key"], x["label"], x["count"], x["min"], round(x["avg"], 6), x["max"], x["p95"], x["warning"], x["critical"])
for a in r["nodes"]:
    print("  node", a["key"], a["instances"], a["availability"], a["business_availability"])
batch = [a for a in r["instances"] if a["key"] == "batch"][0]
print("  batch", batch["time"], batch["availability"])
PY
report --month 2026-11 --calendar biz --format csv | head -4
report --month 2026-11 --calendar biz --format csv | grep -c '^incident,'
report --month 2026-11 --calendar biz --format csv | python3 -c 'import csv,sys; rows=list(csv.reader(sys.stdin)); print("csv rows", len(rows), "columns", {len(r) for r in rows})'
# Japanese, narrowed to a node, without a calendar (UTC).
run report --month 2026-11 --lang ja --node web1 --out ja.html
grep -o '<html lang="ja">\|<h1>[^<]*</h1>\|稼働率\|data-node="[^"]*"' ja.html | sort | uniq -c
report --month 2026-11 --format json --only home | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["zone"], r["from"], [i["key"] for i in r["instances"]])'
# Usage errors: exit 3 with a message.
run report --month 2026-13
run report --month november
run report
run report --month 2026-11 --calendar bizz
run report --month 2026-11 --scope prod/wbe
run report --month 2026-11 --lang fr
run report --month 2026-11 --format pdf
run report --month 2026-11 --out "$WORK/no/such/dir/r.html"

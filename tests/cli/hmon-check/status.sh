# hmon-check status after real runs (nginx, a closed port, a plugin that writes markup): the page
# in text, JSON and HTML, grouped by scope and worst first, with the notifications hnotify logged;
# the HTML loaded in Chromium (rows in order, nothing fetched, no script, printable).
source "$HOPS_SOURCE_DIR/tests/cli/lib/nginx.sh"
source "$HOPS_SOURCE_DIR/tests/cli/lib/chromium.sh"
source "$HOPS_SOURCE_DIR/tests/cli/lib/receiver.sh"
need_chromium
start_nginx
closed=$(closed_port)
cat > inv.yaml <<'YAML'
nodes:
  web01: {address: 127.0.0.1, scopes: [tokyo/web]}
  web02: {address: 127.0.0.1, scopes: [osaka/web]}
YAML
cat > mon.yaml <<YAML
version: 1
defaults:
  timeout: 3s
monitors:
  home:
    type: http
    description: the home page
    target: http://127.0.0.1:$NGINX_PORT/ok
    body: ok
    runbook: "https://wiki.example.com/runbooks/home?topic=home&lang=en"
  port:
    type: tcp
    target: "{{node.address}}:$NGINX_PORT"
    nodes: [web01, web02]
    runbook: "https://wiki.example.com/runbooks/port/{{node.id}}"
  flag:
    type: http
    target: http://127.0.0.1:$NGINX_PORT/flag
    after: 3
  refused:
    type: tcp
    target: "{{node.address}}:$closed"
    nodes: [web01]
    runbook: "call the network team: 内線 1234"
  evil:
    type: command
    command: [sh, -c, "printf '<script>alert(1)</script> \"q\" \\\\377 <img src=http://127.0.0.1:$closed/x.png>\\\\n'; exit 1"]
    runbook: "javascript:alert(document.cookie)"
  old:
    type: tcp
    target: 127.0.0.1:$NGINX_PORT
YAML
cat > notify.yaml <<YAML
channels:
  ops-hook: {type: webhook, url: "$RECEIVER_URL/hook"}
routes:
  - channels: [ops-hook]
YAML
plan ok
# Times and ages change from run to run; runs of blanks (the column widths) with them.
norm() {
  sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})?/TIME/g;
          s/\b[0-9]+[dhms]( [0-9]+[hm])?\b/AGE/g' | stable | tr -s ' '
}
hmon-check run -f mon.yaml --inventory inv.yaml --format json | hnotify send -c notify.yaml >/dev/null 2>&1
echo "[run+send exit ${PIPESTATUS[0]}]"
# 'old' leaves the file: its status is listed apart.
sed -i '/^  old:/,$d' mon.yaml
run hmon-check status -f mon.yaml --inventory inv.yaml | norm
echo "--- json"
hmon-check status -f mon.yaml --inventory inv.yaml --format json | python3 -c '
import json, sys
page = json.load(sys.stdin)
print("counts", json.dumps(page["counts"]), "stale", page["stale"], "not_in_file", page["not_in_file"])
for g in page["groups"]:
    for c in g["checks"]:
        n = c["last_notification"]
        print(repr(g["scope"]), g["in_file"], c["key"], c["state"], "soft" if c.get("soft") else "-",
              n and n["channel"] + ":" + n["outcome"] + ":" + n["status"], c.get("runbook", "-"))
print(page["groups"][0]["checks"][0]["summary"])' | norm
echo "--- scope"
run hmon-check status -f mon.yaml --inventory inv.yaml --scope osaka/web --format json --exit-worst | python3 -c '
import json, sys
lines = sys.stdin.read().split("\n", 2)
print(lines[0])
page = json.loads(lines[1])
print([(g["scope"], [c["key"] for c in g["checks"]]) for g in page["groups"]], lines[2].strip())'
code hmon-check status -f mon.yaml --inventory inv.yaml --exit-worst
echo "--- html"
mkdir www
run hmon-check status -f mon.yaml --inventory inv.yaml --format html --out www/status.html --refresh 30
printf 'mode: '; stat -c %a www/status.html
ls -A www
grep -o '<meta http-equiv="refresh"[^>]*>' www/status.html
grep -c '<script' www/status.html
chromium_dom www/status.html > dom.html
python3 - dom.html <<'PY'
import re, sys, html
dom = open(sys.argv[1], encoding="utf-8").read()
print("rows:", " ".join(re.findall(r'<tr class="s-([a-z]+)" data-key="([^"]*)"', dom) and
      [f"{k}={s}" for s, k in re.findall(r'<tr class="s-([a-z]+)" data-key="([^"]*)"', dom)]))
print("sections:", [html.unescape(re.sub("<[^>]+>", "", h)) for h in re.findall(r"<h2>(.*?)</h2>", dom)])
print("scripts:", dom.count("<script"), "images:", dom.count("<img"))
print("links:", re.findall(r'<a href="([^"]*)"', dom))
print("evil text:", "&lt;script&gt;alert(1)&lt;/script&gt;" in dom, "\ufffd" in dom)
PY
echo "fetches: [$(chromium_fetches | tr '\n' ' ')]"
chromium_pdf www/status.html status.pdf | sed -E 's/[0-9]+ pages/N pages/'
echo "--- errors"
run hmon-check status -f mon.yaml --inventory inv.yaml --format xml
run hmon-check status -f mon.yaml --inventory inv.yaml --stale-after soon
run hmon-check status -f mon.yaml --inventory inv.yaml --refresh -5
run hmon-check status -f nosuch.yaml
run hmon-check status -f mon.yaml --inventory inv.yaml --format html --out nodir/status.html

#!/usr/bin/env bash
# Scenario 3: monitor -> notify -> recover. Runs hmon-check, hnotify and hjob-run as cron would,
# against a local nginx (HTTP and HTTPS), an SSH "web node", an SMTP server and a ticket
# webhook, all on 127.0.0.1, and says what happened. See README.md.
source "$(dirname "$0")/../lib/scenario.sh"

# ---- the stage ------------------------------------------------------------------------------
# SCENARIO_BURST_WINDOW: the batch route's summary window (a demo cannot wait two minutes).
burst_window=${SCENARIO_BURST_WINDOW:-3s}
peer_smtp
peer_webhook
peer_sshd 1
defs=$WORK/defs
mkdir -p "$defs" "$WORK/app" "$WORK/tls" "$WORK/nginx/logs"
: > "$WORK/app/app.log"

# A private CA and a 90-day certificate for 127.0.0.1, as a company CA would issue.
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=hops scenario CA" \
  -keyout "$WORK/tls/ca.key" -out "$WORK/tls/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$WORK/tls/server.key" \
  -out "$WORK/tls/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' > "$WORK/tls/ext.cnf"
openssl x509 -req -in "$WORK/tls/server.csr" -CA "$WORK/tls/ca.pem" -CAkey "$WORK/tls/ca.key" \
  -CAcreateserial -days 90 -extfile "$WORK/tls/ext.cnf" -out "$WORK/tls/server.pem" 2>/dev/null

# nginx as the web node runs it: a daemon with a pid file, so that the recovery flow can start
# it again over SSH. Stopped by that pid when the scenario ends.
HTTP_PORT=$(free_port)
HTTPS_PORT=$(free_port)
chmod a+rx "$WORK" "$WORK/nginx" "$WORK/tls"
chmod a+r "$WORK/tls/server.pem" "$WORK/tls/server.key"
cat > "$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log;
events { worker_connections 64; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$HTTP_PORT;
    listen 127.0.0.1:$HTTPS_PORT ssl;
    ssl_certificate $WORK/tls/server.pem;
    ssl_certificate_key $WORK/tls/server.key;
    location / { return 200 "shop is up\n"; }
  }
}
CONF
NGINX=$(PATH=$PATH:/usr/sbin command -v nginx) || { echo "nginx is not installed (scripts/setup installs it)"; exit 1; }
nginx_pid() { cat "$WORK/nginx/nginx.pid" 2>/dev/null; }
nginx_stop() {
  local pid
  pid=$(nginx_pid) || return 0
  kill "$pid" 2>/dev/null
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.05; done
}
on_exit nginx_stop
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf"
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$HTTP_PORT") 2>/dev/null && break; sleep 0.05; done
# The recovery flow's SSH session finds nginx on its PATH.
mkdir -p "$WORK/bin" && ln -sf "$NGINX" "$WORK/bin/nginx"

# The batch workers' agents: one loopback listener stands for all 50 (they share a network
# that the scenario breaks).
AGENT_PORT=$(free_port)
agent_start() {
  python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(128)
while True:
    c, _ = s.accept(); c.close()' "$AGENT_PORT" &
  AGENT_PID=$!
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$AGENT_PORT") 2>/dev/null && return 0; sleep 0.05; done
}
agent_stop() {
  if [[ -n ${AGENT_PID:-} ]]; then kill "$AGENT_PID" 2>/dev/null; wait "$AGENT_PID" 2>/dev/null || true; fi
  AGENT_PID=
}
on_exit agent_stop
agent_start

# The inventory: the web node (reached over SSH, as sshd.sh set it up) and 50 batch workers.
user=$(id -un)
{
  printf 'version: 1\nnodes:\n'
  printf '  web1:\n    address: 127.0.0.1\n    ssh: {user: %s, port: %s}\n    scopes: [web]\n' "$user" "${SSHD_PORTS[0]}"
  printf '    attributes: {ssh_key: %s, http_port: "%s", https_port: "%s"}\n' "$WORK/ssh/id_ed25519" "$HTTP_PORT" "$HTTPS_PORT"
  for i in $(seq -w 1 50); do
    printf '  worker%s:\n    address: 127.0.0.1\n    scopes: [batch]\n    attributes: {agent_port: "%s"}\n' "$i" "$AGENT_PORT"
  done
} > "$defs/inventory.yaml"
export HOPS_INVENTORY=$defs/inventory.yaml

# The definitions of this folder, with this run's ports and paths filled in.
for f in monitors.yaml notify.yaml calendars.yaml; do
  sed -e "s|@WORK@|$WORK|g; s|@SMTP_PORT@|$SMTP_PORT|g; s|@WEBHOOK_URL@|$RECEIVER_URL|g" \
      -e "s|@DIR@|$defs|g; s|@BURST_WINDOW@|$burst_window|g" "$SCENARIO_DIR/$f" > "$defs/$f"
done
cp "$SCENARIO_DIR/recover-nginx.yaml" "$defs/"
export PATH="$WORK/bin:$PATH"
cd "$defs"

# The crontab lines (see crontab), run by hand: every result goes to hnotify, which sends what
# is new and keeps quiet about the rest (dedupe); a run whose hnotify failed is made good by the
# next one.
CRON_RUNS=0
cron_line="hmon-check run -f monitors.yaml --calendars calendars.yaml --format json | hnotify send -c notify.yaml"
# cron_pipeline N: cron run number N (its events in events.N.jsonl); prints what it did.
cron_pipeline() {
  local n=$1 events=$WORK/events.$1.jsonl rc nrc counts
  set +e
  hmon-check run -f monitors.yaml --calendars calendars.yaml --format json > "$events" 2> "$WORK/hmon-check.$n.err"
  rc=$?
  hnotify send -c notify.yaml < "$events" 2> "$WORK/hnotify.$n.err"
  nrc=$?
  set -e
  counts=$(python3 -c 'import json, sys
from collections import Counter
c = Counter(json.loads(l)["status"] for l in open(sys.argv[1]) if l.strip())
print(", ".join(f"{n} {s}" for s, n in sorted(c.items())))' "$events")
  printf '    %s checks: %s (hmon-check exit %d); hnotify exit %d\n' "$(wc -l < "$events")" "$counts" "$rc" "$nrc"
}
cron_run() {
  show "$cron_line"
  CRON_RUNS=$((CRON_RUNS + 1))
  cron_pipeline "$CRON_RUNS"
}
# cron_overlap: two cron runs at once, as when a slow run is still going at the next minute.
cron_overlap() {
  show "$cron_line    # two at once"
  local a=$((CRON_RUNS + 1)) b=$((CRON_RUNS + 2)) pa pb
  CRON_RUNS=$b
  cron_pipeline "$a" > "$WORK/cron.$a.out" &
  pa=$!
  cron_pipeline "$b" > "$WORK/cron.$b.out" &
  pb=$!
  wait "$pa" "$pb"
  cat "$WORK/cron.$a.out" "$WORK/cron.$b.out"
}
mails() { [[ -s $SMTP_LOG ]] && wc -l < "$SMTP_LOG" || echo 0; }
tickets() { [[ -s $WORK/receiver/requests.jsonl ]] && wc -l < "$WORK/receiver/requests.jsonl" || echo 0; }
told() { printf '    so far: %s mail(s) at the SMTP server, %s call(s) to the ticket webhook\n' "$(mails)" "$(tickets)"; }

title "Scenario 3: monitor -> notify -> recover"
say "A web node (nginx, HTTP and HTTPS, reached over SSH as web1) and 50 batch workers are
watched by hmon-check every minute from cron. hnotify mails the ops team and opens a ticket
through a webhook; for nginx it also starts a recovery flow (hjob-run) that restarts nginx on
the node over SSH. Everything runs on 127.0.0.1: nginx, an OpenSSH server, an SMTP server
(aiosmtpd) and a webhook receiver. The definitions are in $SCENARIO_DIR."

title "1. All is well"
cron_run
say "Every check is OK: nothing is sent."
told

title "2. A bad deploy breaks nginx's configuration and nginx dies"
cp "$WORK/nginx/nginx.conf" "$WORK/nginx/nginx.conf.good"
sed -i 's/^events {/broken_directive on;\nevents {/' "$WORK/nginx/nginx.conf"
nginx_stop
cron_run
say "web-http turned CRITICAL. web-tls depends on it, so it is reported unreachable instead of
raising a second alert. hnotify mailed the team, called the ticket webhook, and started the
recovery flow; the flow could not restart nginx (its configuration is broken), so hnotify keeps
it in its spool and tries again later."
told
step hjob-run list
cron_overlap
say "Two more cron runs, at once (a slow run overlapping the next one), nginx still down: the
second hmon-check waits for the first, and dedupe keeps hnotify quiet; still one mail and one
ticket."
told

title "3. Someone fixes the configuration; the recovery flow's retry restarts nginx"
cp "$WORK/nginx/nginx.conf.good" "$WORK/nginx/nginx.conf"
step hnotify flush -c notify.yaml --wait 30s
step hjob-run list
cron_run
say "nginx answers again: the recovery notice goes where the alert went, by mail and to the
ticket webhook."
told

title "4. The batch network fails: 50 agents at once"
agent_stop
cron_run
say "50 checks turned CRITICAL at once. The batch route holds them for its window ($burst_window
here) and sends one summary instead of 50 mails."
sleep_until_window() { sleep "$(python3 -c 'import re, sys
m = re.fullmatch(r"(\d+)(ms|s|m)", sys.argv[1]); n = int(m[1])
print(n / 1000 if m[2] == "ms" else n * 60 if m[2] == "m" else n)' "$burst_window")"; }
sleep_until_window
step hnotify flush -c notify.yaml
told
agent_start
cron_run
sleep_until_window
step hnotify flush -c notify.yaml
say "The agents are back: their 50 recoveries came as one summary too."
told

title "5. A maintenance day: the ops calendar is closed"
# Today and tomorrow (UTC, the calendar's zone), so that a run across midnight stays closed.
today="$(date -u +%F), $(date -u -d tomorrow +%F)"
sed -i "s/closed: \[\]/closed: [$today]   # maintenance/" calendars.yaml
step hcal -f calendars.yaml is-open ops
nginx_stop
cron_run
say "nginx is down for planned work, but the checks are suppressed while the ops calendar is
closed: nothing is sent, and no recovery flow starts."
told
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf"
sed -i "s/closed: \[$today\]   # maintenance/closed: []/" calendars.yaml
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$HTTP_PORT") 2>/dev/null && break; sleep 0.05; done
cron_run
say "Maintenance over, nginx back before the calendar reopened: no alert, no recovery notice."
told

title "What the peers received"
say "The SMTP server (subject of each mail):"
python3 -c 'import json, sys
for l in open(sys.argv[1]):
    print("    " + json.loads(l)["subject"])' "$SMTP_LOG"
say "The ticket webhook (title and status of each call):"
python3 -c 'import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l); b = json.loads(r["body"]); e = b.get("event", b)
    print("    %s %s: %s" % (r["method"], r["path"], e.get("summary", "")))' "$WORK/receiver/requests.jsonl"

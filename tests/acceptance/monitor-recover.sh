# Scenario 3 (examples/scenarios/3-monitor-recover): nginx dies with a broken configuration,
# recovers through the flow hnotify starts, 50 agents fail at once, a maintenance day. Checked
# on what the SMTP server, the ticket webhook, the sshd host and nginx itself saw.
scenario 3-monitor-recover
W=$SCENARIO_WORK
mails=$W/smtp/mails.jsonl
hooks=$W/receiver/requests.jsonl

# The precondition of "dedupe holds": web-http was reported critical by three cron runs.
cat "$W"/events.*.jsonl > "$ACCEPT_WORK/events.jsonl"
expect_eq "hmon-check reported web-http critical in three runs" \
  "$(jsonl "$ACCEPT_WORK/events.jsonl" 'r["status"] if r["key"] == "hmon-check/web-http/web1" and r["status"] == "critical" else None' | wc -l)" 3

expect_eq "the SMTP server got four mails: the outage, its recovery, the burst and its all-clear" \
  "$(jsonl "$mails" 'r["subject"]' | tr '\n' '|')" \
  "[CRITICAL] hmon-check/web-http/web1|[RECOVERED] hmon-check/web-http/web1|[CRITICAL] 50 alerts for scope batch (critical 50)|[OK] 50 alerts for scope batch (ok 50)|"
expect "every mail went from hops@localhost to ops@localhost" \
  test "$(jsonl "$mails" 'r["from"] + " " + ",".join(r["to"])' | sort -u)" = "hops@localhost ops@localhost"
expect "the outage mail names the node, the error and the runbook" \
  test "$(jsonl "$mails" '1 if r["subject"].startswith("[CRITICAL] hmon-check/web-http") and "node: web1" in r["body"] and "connection refused" in r["body"] and "runbook: restart nginx" in r["body"] else None')" = 1
expect_eq "the burst summary counts the 50 agents" \
  "$(jsonl "$mails" 'r["body"].splitlines()[0] if "alerts for scope batch" in r["subject"] else None' | tr '\n' '|')" \
  "50 alerts for scope batch (critical 50)|50 alerts for scope batch (ok 50)|"

expect_eq "the ticket webhook got the same four, as hops events" \
  "$(jsonl "$hooks" '(lambda b: b["event"]["key"] + " " + b["event"]["status"])(__import__("json").loads(r["body"]))' | tr '\n' '|')" \
  "hmon-check/web-http/web1 critical|hmon-check/web-http/web1 ok|hnotify/summary/batch/scope batch critical|hnotify/summary/batch/scope batch ok|"
expect_eq "each webhook call was answered 2xx and has its own idempotency key" \
  "$(jsonl "$hooks" 'str(r["status"] // 100) + " " + r["headers"]["idempotency-key"]' | sort -u | awk '$1 == 2' | wc -l)" 4
expect_eq "the burst summary counts 50 critical agents and names ten of them" \
  "$(jsonl "$hooks" '(lambda e: "%d %s %d %s" % (e["data"]["count"], e["data"]["statuses"], len(set(e["data"]["keys"])), all(k.startswith("hmon-check/worker-agent/worker") for k in e["data"]["keys"])) if e["kind"] == "notify.summary" and e["status"] == "critical" else None)(__import__("json").loads(r["body"])["event"])')" \
  "50 {'critical': 50} 10 True"
expect "nothing suppressed or unreachable reached a peer" \
  test -z "$(grep -l -E 'suppressed|unreachable' "$mails" "$hooks")"

# The recovery flow ran over SSH on web1 twice: nginx refused its broken configuration first.
expect_eq "the web node's sshd accepted the flow's two logins" \
  "$(grep -c 'Accepted publickey' "$W/ssh/host1/sshd.log")" 2

# Syslog lines (the rsyslog omprog recipe of hnotify(1)) become syslog.message events: piped in at
# once, and from a pipe that stays open, where each line is delivered as it comes, before the end
# of input, and a failed attempt is retried while the input is idle.
source "$HOPS_SOURCE_DIR/tests/cli/lib/receiver.sh"
cat > notify.yaml <<YAML
defaults:
  retry: {backoff: 200ms, attempts: 5}
channels:
  hook: {type: webhook, url: $RECEIVER_URL/hook, timeout: 2s}
routes:
  - match: {kind: syslog.message, severity: [warning, critical]}
    channels: [hook]
YAML
show() {
  python3 -c '
import json, sys
for line in list(open(sys.argv[1]))[int(sys.argv[2]):]:
    r = json.loads(line)
    if r["status"] != 200:
        print("  (answered", r["status"], end=")\n")
        continue
    e = json.loads(r["body"])["event"]
    d = e["data"]
    print(e["key"][:e["key"].rindex("/")] + "/HASH", e["status"], e["severity"], e["time"] if "timestamp" in d else "(time of arrival)", "|", e["summary"], "|",
          d["format"], d["facility"], d.get("procid", "-"), d.get("msgid", "-"), d.get("structured_data", "-"))
' "$WORK/receiver/requests.jsonl" "$1"
}
echo "--- RFC 5424 (RSYSLOG_SyslogProtocol23Format) and RFC 3164 lines; notice and info go nowhere"
cat > lines.txt <<'LINES'
<11>1 2026-05-07T12:12:45.512+09:00 web1 nginx 1234 ID47 [origin ip="192.0.2.7"] upstream timed out (110: Connection timed out)
<28>May  7 03:12:45 db1 postgres[99]: checkpoints are occurring too frequently
<13>1 2026-05-07T03:12:46Z web1 cron - - - job started
<2>1 2026-05-07T03:12:47Z db1 kernel - - - EXT4-fs error (device sda1): 日本語のメッセージ

<11>1 2026-05-07T12:12:48+09:00 web1 nginx 1234 ID47 - upstream timed out (110: Connection timed out)
LINES
hn send --from syslog -c notify.yaml < lines.txt
show 0
echo "--- the same message again is deduplicated, another one from the same program is not"
printf '%s\n' '<11>1 - web1 nginx - - - upstream timed out (110: Connection timed out)' '<11>1 - web1 nginx - - - no live upstreams' |
  hn send --from syslog -c notify.yaml
show 3
echo "--- long-running (omprog keeps the pipe open): each line is delivered before the end of input"
mkfifo in.fifo
hnotify send --from syslog -c notify.yaml < in.fifo > long.out 2>&1 &
pid=$!
exec 3> in.fifo
before=$(received)
printf '<10>1 - app1 svc - - - first while the pipe stays open\n' >&3
for _ in $(seq 200); do [[ $(received) -gt $before ]] && break; sleep 0.05; done
echo "delivered before EOF: $(( $(received) - before ))"
echo "--- the receiver fails once: the line is retried while the input stays idle"
plan "500 ok"
printf '<10>1 - app1 svc - - - second, after a failure\n' >&3
for _ in $(seq 200); do [[ $(received) -gt $((before + 2)) ]] && break; sleep 0.05; done
echo "delivered before EOF: $(( $(received) - before ))"
exec 3>&-
wait "$pid"
echo "[exit $?]"
sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z/TIME/g' long.out
show 4
echo "--- --status sets every line's status; usage errors"
printf '<15>1 - app2 svc - - - debug line that matters\n' | hn send --from syslog --status critical -c notify.yaml
show 7
hn send --from syslog --message x -c notify.yaml
hn send --from journald -c notify.yaml
hn send --status critical -c notify.yaml
printf '\n\n' | hn send --from syslog -c notify.yaml
printf '' | hn send --from snmptrapd -c notify.yaml

# send: events on stdin routed to a webhook; exit 0 delivered, 1 a line rejected (or something
# dropped), 2 nothing usable or a definition error, 75 spooled for a retry; flush delivers later.
source "$HOPS_SOURCE_DIR/tests/cli/lib/receiver.sh"
cat > notify.yaml <<YAML
defaults:
  retry: {backoff: 100ms, attempts: 3}
channels:
  hook:
    type: webhook
    url: $RECEIVER_URL/hook
    timeout: 2s
routes:
  - match: {severity: [warning, critical]}
    channels: [hook]
YAML
monitor_events db:critical web:warning disk:ok | hn send -c notify.yaml
delivered
echo "--- the same statuses again within dedupe: nothing to send"
monitor_events db:critical web:warning | hn send -c notify.yaml -v
echo "--- a malformed line is reported with its number; the others go on"
{ monitor_events db2:critical; echo '{"v":1,"kind":"x"'; echo; monitor_events web2:warning; echo '{"v":1}'; } |
  hn send -c notify.yaml
delivered | tail -2
echo "--- nothing usable"
printf 'not json\n{"v":2}\n' | hn send -c notify.yaml
echo "--- the receiver is down: accepted and spooled (75), delivered by flush once it is back"
receiver_stop
monitor_events db3:critical db4:critical | hn send -c notify.yaml
sleep 0.3  # past the first backoff (50-100 ms): both are due, whatever the machine's load
hn spool list -c notify.yaml
hn flush -c notify.yaml
receiver_start
sleep 0.3
hn flush -c notify.yaml
delivered | tail -2
hn spool list -c notify.yaml
echo "--- --wait: retries until delivered"
plan "500*2 ok"
monitor_events db5:critical | hn send -c notify.yaml --wait 20s
delivered | tail -1
echo "--- the receiver rejects it for good: dropped (1)"
plan "400"
monitor_events db6:critical | hn send -c notify.yaml
hn spool list -c notify.yaml
echo "--- the retry limit"
plan "503"
monitor_events db7:critical | hn send -c notify.yaml --wait 20s
echo "--- ad hoc, and test"
plan ok
hn send -c notify.yaml --channel hook --status warning --title "disk almost full" --message "df says 91%"
python3 -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])][-1]
b = json.loads(r["body"])
print(b["title"], "|", b["body"], "|", b["reason"], b["event"]["kind"], b["event"]["status"])' "$WORK/receiver/requests.jsonl"
hn test -c notify.yaml hook
plan 500
hn test -c notify.yaml hook
echo "--- usage and definition errors"
hn send -c notify.yaml --channel nope --message x
hn send -c notify.yaml --message x
hn send -c notify.yaml --channel hook
hn send -c notify.yaml --wait soon
hn test -c notify.yaml hoook
hn send -c missing.yaml

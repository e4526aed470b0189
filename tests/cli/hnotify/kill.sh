# A send killed with SIGKILL while a delivery hangs loses nothing: once the killed run's lease on
# its item ends, flush delivers every notification, each exactly once (at-least-once: the item
# that hung had not been confirmed, so it is sent again, with the same idempotency key).
source "$HOPS_SOURCE_DIR/tests/cli/lib/receiver.sh"
cat > notify.yaml <<YAML
channels:
  hook:
    type: webhook
    url: $RECEIVER_URL/hook
    timeout: 1s
routes:
  - channels: [hook]
YAML
plan hang
monitor_events k1:critical k2:critical k3:warning k4:critical k5:unknown > events.jsonl
hnotify send -c notify.yaml < events.jsonl > send.out 2>&1 &
pid=$!
for _ in $(seq 200); do [[ $(received) -ge 1 ]] && break; sleep 0.05; done
echo "requests while hanging: $(received)"
# (bash's own "Killed" note goes to the group's stderr, not into the case's output)
{
  kill -9 "$pid"
  wait "$pid"
  echo "send killed: exit $?"
} 2>/dev/null
plan ok
# The first item stays leased for twice the timeout and 5 s; flush waits for it.
start=$(date +%s)
hn flush -c notify.yaml --wait 30s
echo "waited for the lease: $(( $(date +%s) - start >= 5 ))"
delivered | sort | uniq -c | sed -E 's/^ +//'
python3 -c '
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
k1 = [r["headers"]["idempotency-key"] for r in rs if json.loads(r["body"])["event"]["key"] == "k1"]
print("k1 requests:", len(k1), "same idempotency key:", len(set(k1)) == 1)' "$WORK/receiver/requests.jsonl"
hn spool list -c notify.yaml

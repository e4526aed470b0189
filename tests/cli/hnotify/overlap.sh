# Overlapping runs from cron never deliver one notification twice: two flushes (and a send)
# working through the same spool at once each claim different items.
source "$HOPS_SOURCE_DIR/tests/cli/lib/receiver.sh"
cat > notify.yaml <<YAML
defaults:
  retry: {backoff: 100ms}
channels:
  a: {type: webhook, url: "$RECEIVER_URL/a"}
  b: {type: webhook, url: "$RECEIVER_URL/b"}
routes:
  - channels: [a, b]
YAML
receiver_stop
monitor_events $(for i in $(seq 1 12); do printf 'k%02d:critical ' "$i"; done) | hn send -c notify.yaml 2>&1 | grep -v 'failed (attempt'
receiver_start
plan "delay:0.1"
hnotify flush -v -c notify.yaml --wait 60s > f1.out 2>&1 &
p1=$!
hnotify flush -v -c notify.yaml --wait 60s > f2.out 2>&1 &
p2=$!
monitor_events k13:critical | hnotify send -c notify.yaml --wait 60s > f3.out 2>&1
echo "send: exit $?"
wait "$p1"; echo "flush 1: exit $?"
wait "$p2"; echo "flush 2: exit $?"
# Both flushes did part of the work (their -v lines), and nothing failed.
echo "flush 1 delivered some: $(grep -q '^hnotify: delivered' f1.out && echo yes)"
echo "flush 2 delivered some: $(grep -q '^hnotify: delivered' f2.out && echo yes)"
grep -hv -e '^hnotify: delivered' -e '^hnotify: sending' f1.out f2.out f3.out
echo "requests: $(received)"
delivered | sort | uniq -c | awk '$1 != 1 {print "TWICE:", $0} END {print NR, "distinct deliveries"}'
hn spool list -c notify.yaml

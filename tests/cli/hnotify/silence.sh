# silence add, list and remove: a silenced event is not sent, others are; bad arguments are usage
# errors (exit 2), removing a silence that is not there fails (exit 1).
source "$HOPS_SOURCE_DIR/tests/cli/lib/receiver.sh"
cat > notify.yaml <<YAML
channels:
  hook: {type: webhook, url: "$RECEIVER_URL/hook"}
routes:
  - channels: [hook]
YAML
plan ok
export USER=tester
ids() { sed -E 's/\b[0-9a-f]{8}\b/ID/g'; }
id=$(hnotify silence add --match key=db --match severity=critical,warning --until 2h --comment "disk swap")
echo "added: ${#id} hex digits"
hn silence add --match scope=tokyo --until 2026-01-01T00:00 | ids
hn silence add --match nod=web1 --until 1h
hn silence add --match key=db
hn silence add --match severity=crit --until 1h
hn silence list | ids
hn silence list --format json | ids
monitor_events db:critical web:warning | hn send -c notify.yaml -v | grep -E 'silenced|exit' | ids
delivered | sort
echo "--- removed: db goes out"
hn silence remove "$id" | ids
hn silence remove "$id" | ids
hn silence list
monitor_events db:critical | hn send -c notify.yaml
delivered | sort

# spool list, show, retry and drop; items of a channel the file no longer defines are kept and
# named, not forgotten.
source "$HOPS_SOURCE_DIR/tests/cli/lib/receiver.sh"
cat > notify.yaml <<YAML
channels:
  hook: {type: webhook, url: "$RECEIVER_URL/hook"}
  old: {type: webhook, url: "$RECEIVER_URL/old"}
routes:
  - channels: [hook, old]
YAML
plan 503
monitor_events db:critical web:warning | hn send -c notify.yaml
hn spool list -c notify.yaml
hn spool list -c notify.yaml --format json
hn spool show -c notify.yaml 2
echo "--- drop"
hn spool drop -c notify.yaml 3
hn spool drop -c notify.yaml 3
hn spool show -c notify.yaml 99
hn spool retry -c notify.yaml x
echo "--- retry makes it due now; flush delivers it"
plan ok
hn spool retry -c notify.yaml 1
hn spool list -c notify.yaml
hn flush -c notify.yaml
delivered | sort
hn spool list -c notify.yaml
echo "--- the file no longer defines 'old': its items are kept and named"
sed -i '/^  old:/d; s/\[hook, old\]/[hook]/' notify.yaml
hn spool list -c notify.yaml
hn flush -c notify.yaml

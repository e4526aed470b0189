# Secrets (the Slack webhook URL, a webhook header read from a variable or file) never appear in
# any output (stdout, stderr, -v, spool list/show, validate) nor in the state store: the spool
# holds the event and the channel's name, and secrets are read when sending.
source "$HOPS_SOURCE_DIR/tests/cli/lib/receiver.sh"
export HOPS_TEST_SLACK_URL=$RECEIVER_URL/services/T0/B0/SlackPathSecret42
export HOPS_TEST_HOOK_KEY=HeaderSecret-7f3a9c
printf 'Bearer FileSecret-0b1c2d\n' > auth
cat > notify.yaml <<YAML
defaults:
  retry: {backoff: 200ms}
channels:
  slack: {type: slack, url_env: HOPS_TEST_SLACK_URL}
  hook:
    type: webhook
    url: $RECEIVER_URL/hook
    headers:
      X-Api-Key: {value_env: HOPS_TEST_HOOK_KEY}
      Authorization: {value_file: $WORK/auth}
routes:
  - channels: [slack, hook]
YAML
secrets='SlackPathSecret42|HeaderSecret-7f3a9c|FileSecret-0b1c2d'
{
  hnotify validate -c notify.yaml
  # A peer that echoes every secret in its answer: the messages must hide them all.
  plan "body:503:$HOPS_TEST_SLACK_URL,HeaderSecret-7f3a9c,FileSecret-0b1c2d"
  monitor_events db:critical | hnotify -v send -c notify.yaml
  hnotify spool list -c notify.yaml
  hnotify spool list -c notify.yaml --format json
  hnotify spool show -c notify.yaml 1
  hnotify -v test -c notify.yaml hook
  plan ok
  hnotify -v flush -c notify.yaml --wait 2m
} > all.out 2>&1
echo "credentials shown as ***: $(grep -q '\*\*\*' all.out && echo yes)"
grep -E "$secrets" all.out
echo "secrets in the output: $(grep -cE "$secrets" all.out)"
stable_out() { sed -E 's/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/UUID/g; s/127\.0\.0\.1:[0-9]+/127.0.0.1:PORT/g; s/[0-9]{4}-[0-9-]+T[0-9:.]+Z/TIME/g'; }
grep -m1 'sending #1' all.out | stable_out
grep -m1 'sending #2' all.out | stable_out
grep -m1 "^1	" all.out | stable_out
grep -m1 "^2	" all.out | stable_out
echo "what the receiver got (the secrets did go there):"
python3 -c '
import json, sys
for r in map(json.loads, open(sys.argv[1])):
    if r["status"] == 200:
        print(r["path"].replace("SlackPathSecret42", "<secret>"), r["headers"].get("x-api-key", "-"), r["headers"].get("authorization", "-"))' \
  "$WORK/receiver/requests.jsonl" | sort -u
echo "secrets in the state store: $(cat "$HOPS_STATE_DIR"/state.db* | grep -acE "$secrets")"
echo "the spool was in it: $(cat "$HOPS_STATE_DIR"/state.db* | grep -aq 'hnotify:' && echo yes)"

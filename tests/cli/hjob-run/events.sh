# --events runs the flow once per matching event (the JSON lines hmon-check --format json
# writes), with the event's fields as parameters and the whole event in $HOPS_EVENT.
source "$HOPS_SOURCE_DIR/tests/cli/lib/hjob-run.sh"
cat > recover.yaml <<'YAML'
name: disk-recover
params:
  monitor:
  node: ''
  status:
  mount: /
events:
  kind: monitor.result
  status: [critical, warning]
  monitor: disk-*
jobs:
  clean:
    run: 'echo "clean $mount on ${node:-localhost} ($monitor is $status)"; printf "%s" "$HOPS_EVENT" | grep -c "\"kind\":\"monitor.result\""'
YAML
ev() {  # ev MONITOR STATUS [NODE] [DATA]
  printf '{"v":1,"time":"2026-11-21T23:59:01Z","tool":"hmon-check","host":"h","kind":"monitor.result","key":"%s","status":"%s","severity":"critical","summary":"s"%s%s}\n' \
    "$1" "$2" "${3:+,\"node\":\"$3\"}" "${4:+,\"data\":$4}" | sed "s/\"key\":\"[^\"]*\"/&,\"monitor\":\"$1\"/"
}
{
  ev disk-var critical web1 '{"mount":"/var"}'
  ev http-home critical web1
  ev disk-root ok web2
  echo 'not json'
  ev disk-root warning
} > events.jsonl
rn hjob-run run recover.yaml --events events.jsonl
for id in $(hjob-run list | cut -f1); do hjob-run logs "$id" clean; done
rn hjob-run run recover.yaml --events - < /dev/null
ev disk-tmp critical | rn hjob-run run recover.yaml --events - --param mount=/tmp --format json
rn hjob-run run recover.yaml --events - --dry-run < /dev/null
